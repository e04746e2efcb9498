package dev.fedmesh.agent.inventory;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.fedmesh.agent.inventory.InvalidEndpointException.FieldProblem;
import dev.fedmesh.policy.document.Names;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Reads and writes an endpoint as a set of named fields ({@code service}, {@code host},
 * {@code port}, {@code labels}, {@code serviceAccount}), each behind a prefix: {@code fedmesh.} in a
 * workload's xDS node metadata, none in the registration API's JSON and the agent's state file.
 * Every field is checked, and every problem reported at once, naming the field and the fix.
 */
public final class EndpointFields {

    /** The prefix of the fields in a workload's xDS node metadata. */
    public static final String NODE_METADATA_PREFIX = "fedmesh.";
    public static final String SERVICE = "service";
    public static final String HOST = "host";
    public static final String PORT = "port";
    public static final String LABELS = "labels";
    public static final String SERVICE_ACCOUNT = "serviceAccount";

    private static final int MAX_HOST = 253;
    private static final int MAX_LABELS = 64;
    private static final Pattern HOST_NAME =
            Pattern.compile("^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$");
    private static final Pattern IPV6 = Pattern.compile("^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$");

    private EndpointFields() {
    }

    /**
     * Reads the endpoint in {@code fields}, the names prefixed with {@code prefix}; the host, when the
     * fields name none, is {@code defaultHost} (required when that is empty).
     */
    public static AnnouncedEndpoint read(Struct fields, String prefix, Optional<String> defaultHost)
            throws InvalidEndpointException {
        Map<String, Value> values = fields.getFieldsMap();
        List<FieldProblem> problems = new ArrayList<>();
        String service = text(values, prefix + SERVICE, problems).orElse(null);
        if (service == null) {
            problems.add(new FieldProblem(prefix + SERVICE, "required: the service this endpoint serves, e.g. \"greeter\""));
        } else if (!Names.isValid(service)) {
            problems.add(new FieldProblem(prefix + SERVICE, "\"" + shorten(service) + "\" " + Names.RULE));
        }
        String host = text(values, prefix + HOST, problems).or(() -> defaultHost).orElse(null);
        if (host == null) {
            problems.add(new FieldProblem(prefix + HOST, "required: the IP address or DNS name callers reach this"
                    + " endpoint at, e.g. \"10.0.0.7\""));
        } else if (!validHost(host)) {
            problems.add(new FieldProblem(prefix + HOST, "\"" + shorten(host) + "\" is not an IP address or DNS name:"
                    + " give one callers reach this endpoint at, e.g. \"10.0.0.7\""));
        }
        int port = port(values.get(prefix + PORT), prefix + PORT, problems);
        Map<String, String> labels = labels(values.get(prefix + LABELS), prefix + LABELS, problems);
        String serviceAccount = text(values, prefix + SERVICE_ACCOUNT, problems).orElse("");
        if (!serviceAccount.isEmpty() && !Names.isValid(serviceAccount)) {
            problems.add(new FieldProblem(prefix + SERVICE_ACCOUNT, "\"" + shorten(serviceAccount) + "\" " + Names.RULE));
        }
        if (!problems.isEmpty()) {
            throw new InvalidEndpointException(problems);
        }
        return new AnnouncedEndpoint(new ServiceEndpoint(service, host, port, labels), serviceAccount);
    }

    /** The endpoint as unprefixed fields, as the registration API answers and the state file keeps it. */
    public static Struct write(AnnouncedEndpoint announced) {
        ServiceEndpoint endpoint = announced.endpoint();
        Struct.Builder labels = Struct.newBuilder();
        new TreeMap<>(endpoint.labels()).forEach((key, value) ->
                labels.putFields(key, Value.newBuilder().setStringValue(value).build()));
        Struct.Builder fields = Struct.newBuilder()
                .putFields(SERVICE, Value.newBuilder().setStringValue(endpoint.service()).build())
                .putFields(HOST, Value.newBuilder().setStringValue(endpoint.host()).build())
                .putFields(PORT, Value.newBuilder().setNumberValue(endpoint.port()).build())
                .putFields(LABELS, Value.newBuilder().setStructValue(labels).build());
        if (!announced.serviceAccount().isEmpty()) {
            fields.putFields(SERVICE_ACCOUNT, Value.newBuilder().setStringValue(announced.serviceAccount()).build());
        }
        return fields.build();
    }

    /** Whether {@code host} is an IPv4 or IPv6 address or a DNS name (checked by its form, never looked up). */
    public static boolean validHost(String host) {
        return host.length() <= MAX_HOST && (HOST_NAME.matcher(host).matches() || IPV6.matcher(host).matches());
    }

    private static Optional<String> text(Map<String, Value> values, String field, List<FieldProblem> problems) {
        Value value = values.get(field);
        if (value == null || value.hasNullValue()) {
            return Optional.empty();
        }
        if (!value.hasStringValue()) {
            problems.add(new FieldProblem(field, "must be a string"));
            return Optional.empty();
        }
        String text = value.getStringValue().trim();
        return text.isEmpty() ? Optional.empty() : Optional.of(text);
    }

    private static int port(Value value, String field, List<FieldProblem> problems) {
        String fix = "the TCP port the endpoint listens on, 1..65535, e.g. 8080";
        if (value == null || value.hasNullValue()) {
            problems.add(new FieldProblem(field, "required: " + fix));
            return 0;
        }
        double number;
        if (value.hasNumberValue()) {
            number = value.getNumberValue();
        } else if (value.hasStringValue()) {
            try {
                number = Integer.parseInt(value.getStringValue().trim());
            } catch (NumberFormatException e) {
                problems.add(new FieldProblem(field, "\"" + shorten(value.getStringValue()) + "\" is not a number: " + fix));
                return 0;
            }
        } else {
            problems.add(new FieldProblem(field, "must be a number: " + fix));
            return 0;
        }
        if (number != Math.rint(number) || number < 1 || number > 65535) {
            problems.add(new FieldProblem(field, (number == Math.rint(number) ? String.valueOf((long) number)
                    : String.valueOf(number)) + " is out of range: " + fix));
            return 0;
        }
        return (int) number;
    }

    private static Map<String, String> labels(Value value, String field, List<FieldProblem> problems) {
        Map<String, String> labels = new TreeMap<>();
        if (value == null || value.hasNullValue()) {
            return labels;
        }
        if (!value.hasStructValue()) {
            problems.add(new FieldProblem(field, "must be an object of string labels, e.g. {\"version\": \"v2\"}"));
            return labels;
        }
        Map<String, Value> entries = value.getStructValue().getFieldsMap();
        if (entries.size() > MAX_LABELS) {
            problems.add(new FieldProblem(field, entries.size() + " labels: give at most " + MAX_LABELS));
            return labels;
        }
        new TreeMap<>(entries).forEach((key, label) -> {
            String labelField = field + "." + shorten(key);
            if (!Names.isValidLabelKey(key)) {
                problems.add(new FieldProblem(labelField, "is not a valid label key: 1-63 letters, digits, '.', '_',"
                        + " '/' or '-', starting and ending with a letter or digit"));
            } else if (!label.hasStringValue() || !Names.isValidLabelValue(label.getStringValue())) {
                problems.add(new FieldProblem(labelField, "must be a string of at most 63 letters, digits, '.', '_'"
                        + " or '-', starting and ending with a letter or digit, e.g. \"v2\""));
            } else {
                labels.put(key, label.getStringValue());
            }
        });
        return labels;
    }

    // What a client sent is quoted back only in part, so an answer or a log line stays short.
    private static String shorten(String text) {
        return text.length() <= 64 ? text : text.substring(0, 64) + "...";
    }
}

package dev.fedmesh.policy.healthcheck;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fedmesh.api.v1.HealthCheckSpec;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.policy.document.Durations;
import dev.fedmesh.policy.document.JsonObjectReader;
import dev.fedmesh.policy.document.PolicyKind;
import dev.fedmesh.policy.document.References;
import dev.fedmesh.policy.document.Target;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** The {@code HealthCheck} kind: reading, validation and wire form of {@link HealthCheck}. */
public final class HealthCheckKind implements PolicyKind<HealthCheck> {
    public static final String NAME = "HealthCheck";
    static final Duration MIN_INTERVAL = Duration.ofSeconds(1);
    static final Duration MAX_INTERVAL = Duration.ofHours(1);
    static final Duration MIN_TIMEOUT = Duration.ofMillis(10);
    static final long MAX_THRESHOLD = 1000;
    static final int DEFAULT_UNHEALTHY_THRESHOLD = 3;
    static final int DEFAULT_HEALTHY_THRESHOLD = 1;
    static final List<String> PROTOCOLS = List.of("http", "grpc", "tcp");
    private static final Pattern PATH = Pattern.compile("^/[A-Za-z0-9\\-._~!$&'()*+,;=:@/%?]{0,1023}$");
    private static final String PATH_RULE = "must start with '/' and hold at most 1024 URL characters "
            + "(letters, digits and -._~!$&'()*+,;=:@/%?), no spaces, quotes or angle brackets";
    private static final Pattern GRPC_SERVICE = Pattern.compile("^[A-Za-z0-9_.]{0,253}$");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<HealthCheck> specType() {
        return HealthCheck.class;
    }

    @Override
    public void checkTarget(Target target, JsonObjectReader document) {
        if (target instanceof Target.Mesh) {
            document.reject("target", "a HealthCheck checks the endpoints of one service: "
                    + "set target.service (and target.subset for some of them) instead of target.mesh");
        }
    }

    /** Health is a property of an endpoint, the same whoever calls it; checks run per upstream cluster. */
    @Override
    public boolean acceptsFrom() {
        return false;
    }

    @Override
    public HealthCheck readSpec(JsonObjectReader spec, Target target) {
        Duration interval = requiredDuration(spec, "interval", MIN_INTERVAL, MAX_INTERVAL, "\"10s\"");
        Duration timeout = requiredDuration(spec, "timeout", MIN_TIMEOUT, MAX_INTERVAL, "\"1s\"");
        if (interval != null && timeout != null && timeout.compareTo(interval) >= 0) {
            spec.reject("timeout", "is " + Durations.format(timeout) + " but must be shorter than interval ("
                    + Durations.format(interval) + "), so one check ends before the next begins");
            timeout = null;
        }
        boolean hasUnhealthy = spec.has("unhealthyThreshold");
        boolean hasHealthy = spec.has("healthyThreshold");
        Long unhealthy = spec.optionalInteger("unhealthyThreshold", 1, MAX_THRESHOLD);
        Long healthy = spec.optionalInteger("healthyThreshold", 1, MAX_THRESHOLD);
        HealthCheck.Probe probe = readProbe(spec);
        boolean complete = interval != null && timeout != null && probe != null
                && hasUnhealthy == (unhealthy != null) && hasHealthy == (healthy != null);
        return complete
                ? new HealthCheck(interval, timeout,
                        unhealthy == null ? DEFAULT_UNHEALTHY_THRESHOLD : unhealthy.intValue(),
                        healthy == null ? DEFAULT_HEALTHY_THRESHOLD : healthy.intValue(),
                        probe)
                : null;
    }

    private static Duration requiredDuration(JsonObjectReader spec, String field, Duration min, Duration max, String example) {
        if (!spec.has(field)) {
            spec.reject(field, "is required, e.g. " + example);
            return null;
        }
        return spec.optionalDuration(field, min, max);
    }

    private HealthCheck.Probe readProbe(JsonObjectReader spec) {
        List<String> set = PROTOCOLS.stream().filter(spec::has).toList();
        if (set.isEmpty()) {
            spec.reject("http", "is required when neither grpc nor tcp is set: choose one protocol, e.g. "
                    + "{\"http\": {\"path\": \"/healthz\"}}, {\"grpc\": {}} or {\"tcp\": {}}");
            return null;
        }
        if (set.size() > 1) {
            spec.reject(set.get(1), "cannot be combined with " + set.get(0) + ": choose exactly one of http, grpc and tcp");
            return null;
        }
        JsonObjectReader probe = spec.optionalObject(set.get(0));
        if (probe == null) {
            return null;
        }
        HealthCheck.Probe result = switch (set.get(0)) {
            case "http" -> readHttp(probe);
            case "grpc" -> readGrpc(probe);
            default -> new HealthCheck.Tcp();
        };
        probe.rejectUnknownFields();
        return result;
    }

    private HealthCheck.Http readHttp(JsonObjectReader http) {
        String path = http.requiredString("path");
        boolean statusesGiven = http.has("expectedStatuses");
        List<Long> statuses = http.integers("expectedStatuses", 100, 599);
        boolean valid = path != null;
        if (path != null && !PATH.matcher(path).matches()) {
            http.reject("path", PATH_RULE);
            valid = false;
        }
        if (statusesGiven && !http.isArray("expectedStatuses")) {
            valid = false;
        } else if (statusesGiven && http.sizeOf("expectedStatuses") == 0) {
            http.reject("expectedStatuses", "must name at least one status, or be left out for 200");
            valid = false;
        } else if (statuses.size() != http.sizeOf("expectedStatuses")) {
            valid = false;
        } else if (statuses.stream().distinct().count() != statuses.size()) {
            http.reject("expectedStatuses", "names a status twice: list each once");
            valid = false;
        } else if (statuses.size() > 16) {
            http.reject("expectedStatuses", "has " + statuses.size() + " statuses; at most 16 are allowed");
            valid = false;
        }
        List<Integer> expected = statuses.isEmpty() ? List.of(200) : statuses.stream().map(Long::intValue).sorted().toList();
        return valid ? new HealthCheck.Http(path, expected) : null;
    }

    private HealthCheck.Grpc readGrpc(JsonObjectReader grpc) {
        String serviceName = grpc.optionalString("serviceName");
        if (serviceName != null && !GRPC_SERVICE.matcher(serviceName).matches()) {
            grpc.reject("serviceName", "must be a fully qualified gRPC service name of at most 253 letters, digits, "
                    + "'_' and '.', e.g. \"greeter.v1.Greeter\", or \"\" for the whole server");
            return null;
        }
        return grpc.has("serviceName") && serviceName == null ? null : new HealthCheck.Grpc(serviceName == null ? "" : serviceName);
    }

    /** The spec names no cluster or service of its own; the target is checked by the API. */
    @Override
    public References references(HealthCheck spec) {
        return References.NONE;
    }

    /**
     * The target, e.g. {@code service greeter subset version=v2}: two HealthChecks for the same
     * service or subset contradict each other, while a subset's may differ from its service's.
     */
    @Override
    public Set<String> claims(Target target, HealthCheck spec) {
        if (target instanceof Target.Service service) {
            Map<String, String> subset = service.selector().subset();
            return Set.of("service " + service.selector().service() + (subset.isEmpty() ? "" : subset.entrySet().stream()
                    .map(label -> label.getKey() + "=" + label.getValue())
                    .collect(Collectors.joining(",", " subset ", ""))));
        }
        return Set.of("mesh");
    }

    @Override
    public JsonNode writeSpec(HealthCheck spec) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("interval", Durations.format(spec.interval()));
        json.put("timeout", Durations.format(spec.timeout()));
        json.put("unhealthyThreshold", spec.unhealthyThreshold());
        json.put("healthyThreshold", spec.healthyThreshold());
        if (spec.probe() instanceof HealthCheck.Http http) {
            ObjectNode probe = json.putObject("http");
            probe.put("path", http.path());
            http.expectedStatuses().forEach(probe.putArray("expectedStatuses")::add);
        } else if (spec.probe() instanceof HealthCheck.Grpc grpc) {
            json.putObject("grpc").put("serviceName", grpc.serviceName());
        } else {
            json.putObject("tcp");
        }
        return json;
    }

    @Override
    public void writeSpec(HealthCheck spec, Policy.Builder policy) {
        HealthCheckSpec.Builder wire = HealthCheckSpec.newBuilder()
                .setInterval(wire(spec.interval()))
                .setTimeout(wire(spec.timeout()))
                .setUnhealthyThreshold(spec.unhealthyThreshold())
                .setHealthyThreshold(spec.healthyThreshold());
        if (spec.probe() instanceof HealthCheck.Http http) {
            wire.setHttp(HealthCheckSpec.Http.newBuilder().setPath(http.path()).addAllExpectedStatuses(http.expectedStatuses()));
        } else if (spec.probe() instanceof HealthCheck.Grpc grpc) {
            wire.setGrpc(HealthCheckSpec.Grpc.newBuilder().setServiceName(grpc.serviceName()));
        } else {
            wire.setTcp(HealthCheckSpec.Tcp.getDefaultInstance());
        }
        policy.setHealthCheck(wire);
    }

    private static com.google.protobuf.Duration wire(Duration duration) {
        return com.google.protobuf.Duration.newBuilder()
                .setSeconds(duration.getSeconds())
                .setNanos(duration.getNano())
                .build();
    }
}

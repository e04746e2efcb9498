package dev.fedmesh.controlapi.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fedmesh.controlapi.http.ApiException;
import dev.fedmesh.policy.compiler.EastWestGateway;
import dev.fedmesh.policy.document.JsonObjectReader;
import dev.fedmesh.policy.document.Names;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.document.Violation;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The JSON form of clusters: reading a registration request, writing a cluster. */
public final class ClusterJson {
    private static final String GATEWAY = "eastWestGateway";

    private ClusterJson() {
    }

    public static ClusterSpec read(String body) {
        return read(body, null);
    }

    /** Reads a cluster; with {@code pathName}, the body's name may be left out but must match when given. */
    public static ClusterSpec read(String body, String pathName) {
        JsonNode json = PolicyJson.parse(body);
        List<Violation> violations = new ArrayList<>();
        JsonObjectReader reader = JsonObjectReader.root(json, violations);
        String name = pathName != null && !reader.has("name") ? pathName : reader.requiredString("name");
        if (name != null && !Names.isValid(name)) {
            reader.reject("name", "'" + name + "' " + Names.RULE);
        } else if (pathName != null && name != null && !name.equals(pathName)) {
            reader.reject("name", "'" + name + "' differs from the name in the request path '" + pathName + "'");
        }
        String region = locality(reader, "region");
        String zone = locality(reader, "zone");
        String network = locality(reader, "network");
        String eastWestGateway = eastWestGateway(reader);
        Map<String, String> labels = reader.labels("labels");
        reader.ignore("bootstrapCredential");
        reader.ignore("resourceVersion");
        reader.ignore("createdAt");
        reader.ignore("updatedAt");
        reader.rejectUnknownFields();
        if (!violations.isEmpty()) {
            throw ApiException.invalid(violations);
        }
        return new ClusterSpec(name, region, zone, network, eastWestGateway, labels);
    }

    private static String locality(JsonObjectReader reader, String field) {
        String value = reader.optionalString(field);
        if (value != null && !Names.isValidLabelValue(value)) {
            reader.reject(field, "'" + value + "' is not valid: use at most 63 letters, digits, '.', '_' or '-'");
            return null;
        }
        return value;
    }

    /** The gateway in its canonical form, or null when absent or empty (either means: none). */
    private static String eastWestGateway(JsonObjectReader reader) {
        String value = reader.optionalString(GATEWAY);
        if (value == null || value.isEmpty()) {
            return null;
        }
        EastWestGateway.Parsed parsed = EastWestGateway.parse(value);
        if (parsed.problem().isPresent()) {
            reader.reject(GATEWAY, parsed.problem().get());
            return null;
        }
        return parsed.gateway().orElseThrow().toString();
    }

    public static ObjectNode write(Cluster cluster) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("name", cluster.name());
        putIfSet(json, "region", cluster.region());
        putIfSet(json, "zone", cluster.zone());
        putIfSet(json, "network", cluster.network());
        putIfSet(json, GATEWAY, cluster.eastWestGateway());
        json.set("labels", PolicyJson.writeLabels(cluster.labels()));
        json.put("resourceVersion", String.valueOf(cluster.resourceVersion()));
        json.put("createdAt", cluster.createdAt().toString());
        json.put("updatedAt", cluster.updatedAt().toString());
        return json;
    }

    /** Absent, not null: the OpenAPI document's contract for a field that is not set. */
    private static void putIfSet(ObjectNode json, String field, String value) {
        if (value != null) {
            json.put(field, value);
        }
    }

    public static String toText(Cluster cluster) {
        return PolicyJson.toText(write(cluster));
    }
}

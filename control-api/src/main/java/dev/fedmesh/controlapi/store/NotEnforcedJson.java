package dev.fedmesh.controlapi.store;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fedmesh.policy.enforcement.NotEnforced;

import java.util.List;

/** The JSON of warnings that a data plane does not enforce a policy, as the REST API answers them. */
public final class NotEnforcedJson {
    private NotEnforcedJson() {
    }

    /**
     * Each warning as {@code {"code", "dataPlane", "clusters", "field", "message"}}, with
     * {@code kind} and {@code policy} too when {@code namingPolicy} (in a cluster's status).
     */
    public static ArrayNode write(List<NotEnforced> warnings, boolean namingPolicy) {
        ArrayNode json = JsonNodeFactory.instance.arrayNode();
        for (NotEnforced warning : warnings) {
            ObjectNode entry = json.addObject();
            entry.put("code", NotEnforced.CODE);
            if (namingPolicy) {
                entry.put("kind", warning.kind());
                entry.put("policy", warning.policy());
            }
            entry.put("dataPlane", warning.dataPlane().wireName());
            warning.clusters().forEach(entry.putArray("clusters")::add);
            entry.put("field", warning.field());
            entry.put("message", warning.message());
        }
        return json;
    }
}

package dev.fedmesh.controlapi.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fedmesh.policy.document.PolicyDocument;
import dev.fedmesh.policy.document.PolicyJson;

import java.time.OffsetDateTime;

/** A policy as stored: the document plus the fields the server manages. */
public record StoredPolicy(PolicyDocument document, long resourceVersion, OffsetDateTime createdAt, OffsetDateTime updatedAt) {

    /** The API's JSON for this policy. */
    public ObjectNode toJson() {
        ObjectNode json = PolicyJson.write(document);
        json.put("resourceVersion", String.valueOf(resourceVersion));
        json.put("createdAt", createdAt.toString());
        json.put("updatedAt", updatedAt.toString());
        return json;
    }
}

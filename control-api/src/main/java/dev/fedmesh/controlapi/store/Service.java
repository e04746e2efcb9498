package dev.fedmesh.controlapi.store;

import java.time.OffsetDateTime;
import java.util.Map;

/** A service of a tenant, declared through the API. */
public record Service(String name, Map<String, String> labels, long resourceVersion, OffsetDateTime createdAt,
                      OffsetDateTime updatedAt) {
}

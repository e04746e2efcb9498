package dev.fedmesh.controlapi.store;

import java.time.OffsetDateTime;
import java.util.Map;

/** A registered cluster of a tenant. */
public record Cluster(
        String name,
        String region,
        String zone,
        String network,
        Map<String, String> labels,
        long resourceVersion,
        OffsetDateTime createdAt,
        OffsetDateTime updatedAt) {
}

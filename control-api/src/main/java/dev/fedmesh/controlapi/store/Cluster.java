package dev.fedmesh.controlapi.store;

import java.time.OffsetDateTime;
import java.util.Map;

/**
 * A registered cluster of a tenant.
 *
 * @param eastWestGateway {@code host:port} where callers on other networks reach its services; null when it has none
 */
public record Cluster(
        String name,
        String region,
        String zone,
        String network,
        String eastWestGateway,
        Map<String, String> labels,
        long resourceVersion,
        OffsetDateTime createdAt,
        OffsetDateTime updatedAt) {
}

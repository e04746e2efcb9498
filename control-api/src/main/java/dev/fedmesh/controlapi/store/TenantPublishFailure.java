package dev.fedmesh.controlapi.store;

import java.time.OffsetDateTime;

/**
 * Why a tenant's changes are not reaching its clusters: the distributor's last attempt to publish
 * them failed, for the reason {@code code} and {@code message} say (table
 * {@code tenant_publish_failures}, written by the distributor, cleared by its next successful
 * publish). Its clusters keep the configs they had.
 */
public record TenantPublishFailure(
        String code,
        String message,
        OffsetDateTime failingSince,
        int attempts,
        OffsetDateTime lastAttemptAt,
        OffsetDateTime nextAttemptAt) {
}

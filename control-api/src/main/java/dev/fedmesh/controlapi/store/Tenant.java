package dev.fedmesh.controlapi.store;

import java.time.OffsetDateTime;
import java.util.UUID;

/** A tenant row; {@code trustDomain} is fixed when the tenant is created. */
public record Tenant(UUID id, String name, String trustDomain, long revision, OffsetDateTime createdAt,
                     OffsetDateTime updatedAt) {
}

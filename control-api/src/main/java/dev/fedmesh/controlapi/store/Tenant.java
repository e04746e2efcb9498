package dev.fedmesh.controlapi.store;

import java.time.OffsetDateTime;
import java.util.UUID;

/** A tenant row. */
public record Tenant(UUID id, String name, long revision, OffsetDateTime createdAt, OffsetDateTime updatedAt) {
}

package dev.fedmesh.controlapi.store;

import dev.fedmesh.controlapi.auth.Role;

import java.time.OffsetDateTime;
import java.util.UUID;

/** A tenant's API token as the API shows it: everything but the secret, which is never kept. */
public record Token(
        UUID id,
        String tenant,
        String name,
        Role role,
        String createdBy,
        OffsetDateTime createdAt,
        OffsetDateTime expiresAt,
        OffsetDateTime revokedAt,
        OffsetDateTime lastUsedAt) {

    /** The name the audit log and created-by fields give whoever acts with this token. */
    public String subject() {
        return "token:" + name + "/" + id;
    }
}

package dev.fedmesh.controlapi.store;

import dev.fedmesh.controlapi.auth.Role;

import java.time.OffsetDateTime;

/** What a user asks for when minting a token; {@code expiresAt} null means it never expires. */
public record TokenRequest(String name, Role role, OffsetDateTime expiresAt) {
}

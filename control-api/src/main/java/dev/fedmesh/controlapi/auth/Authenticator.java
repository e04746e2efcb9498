package dev.fedmesh.controlapi.auth;

import jakarta.inject.Singleton;

import java.util.Optional;

/** Turns a presented bearer token into the principal it stands for. */
@Singleton
public class Authenticator {
    private final AdminToken adminToken;

    public Authenticator(AdminToken adminToken) {
        this.adminToken = adminToken;
    }

    /** The principal, or empty when the token is not valid (unknown, expired or revoked). */
    public Optional<Principal> authenticate(String bearer) {
        if (adminToken.matches(bearer)) {
            return Optional.of(Principal.operator());
        }
        return Optional.empty();
    }
}

package dev.fedmesh.controlapi.auth;

import io.micronaut.context.annotation.Value;
import io.micronaut.context.exceptions.ConfigurationException;
import jakarta.inject.Singleton;

import java.security.MessageDigest;

/**
 * The operator's admin token (property {@code fedmesh.api.admin-token}, env
 * {@code FEDMESH_API_ADMIN_TOKEN}). Only its SHA-256 is kept, and presented tokens are compared
 * in constant time.
 */
@Singleton
public final class AdminToken {
    static final int MINIMUM_LENGTH = 24;
    private final byte[] digest;

    public AdminToken(@Value("${fedmesh.api.admin-token:}") String token) {
        if (token == null || token.isBlank()) {
            throw new ConfigurationException("fedmesh.api.admin-token is not set: set FEDMESH_API_ADMIN_TOKEN to a random "
                    + "secret of at least " + MINIMUM_LENGTH + " characters (e.g. `openssl rand -hex 32`)");
        }
        if (token.length() < MINIMUM_LENGTH) {
            throw new ConfigurationException("fedmesh.api.admin-token is too short: use at least " + MINIMUM_LENGTH
                    + " random characters (e.g. `openssl rand -hex 32`)");
        }
        this.digest = TokenSecret.sha256(token);
    }

    /** True when the presented token is the admin token. */
    public boolean matches(String presented) {
        return presented != null && MessageDigest.isEqual(digest, TokenSecret.sha256(presented));
    }
}

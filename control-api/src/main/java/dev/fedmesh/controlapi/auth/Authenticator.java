package dev.fedmesh.controlapi.auth;

import dev.fedmesh.controlapi.store.TokenStore;
import jakarta.inject.Singleton;

import java.util.Optional;

/**
 * Turns a presented bearer token into the principal it stands for. Tenant tokens are looked up
 * on every request, never cached, so that an expiry or a revocation takes effect at once.
 */
@Singleton
public class Authenticator {
    private final AdminToken adminToken;
    private final TokenStore tokens;

    public Authenticator(AdminToken adminToken, TokenStore tokens) {
        this.adminToken = adminToken;
        this.tokens = tokens;
    }

    /** The principal, or empty when the token is not valid (unknown, expired or revoked). */
    public Optional<Principal> authenticate(String bearer) {
        if (adminToken.matches(bearer)) {
            return Optional.of(Principal.operator());
        }
        if (bearer == null || !bearer.startsWith(TokenSecret.PREFIX)) {
            return Optional.empty();
        }
        // The lookup is by the secret's hash, so it reveals nothing through its timing.
        return tokens.findValid(TokenSecret.sha256(bearer))
                .map(token -> new Principal(token.subject(), token.tenant(), token.role()));
    }
}

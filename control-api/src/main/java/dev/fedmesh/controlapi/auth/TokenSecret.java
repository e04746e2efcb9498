package dev.fedmesh.controlapi.auth;

import dev.fedmesh.controlapi.store.Secrets;

/**
 * The secret of a tenant's API token: {@code fm_} and 32 random bytes in base64url. Only its
 * SHA-256 is ever stored; the secret itself is shown once, when the token is minted.
 */
public final class TokenSecret {
    /** Marks fedmesh API tokens, so that secret scanners and people recognise a leaked one. */
    public static final String PREFIX = "fm_";

    private TokenSecret() {
    }

    /** A new secret with 256 bits of randomness. */
    public static String generate() {
        return Secrets.newSecret(PREFIX);
    }

    /** What the database keeps of a secret, and looks it up by. */
    public static byte[] sha256(String secret) {
        return Secrets.sha256(secret);
    }
}

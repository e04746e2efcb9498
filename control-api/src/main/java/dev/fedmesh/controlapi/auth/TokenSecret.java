package dev.fedmesh.controlapi.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The secret of a tenant's API token: {@code fm_} and 32 random bytes in base64url. Only its
 * SHA-256 is ever stored; the secret itself is shown once, when the token is minted.
 */
public final class TokenSecret {
    /** Marks fedmesh API tokens, so that secret scanners and people recognise a leaked one. */
    public static final String PREFIX = "fm_";
    private static final int RANDOM_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private TokenSecret() {
    }

    /** A new secret with 256 bits of randomness. */
    public static String generate() {
        byte[] bytes = new byte[RANDOM_BYTES];
        RANDOM.nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** What the database keeps of a secret, and looks it up by. */
    public static byte[] sha256(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime provides SHA-256", e);
        }
    }
}

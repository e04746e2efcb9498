package dev.fedmesh.agent.registration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * The secret a caller of the registration API presents as {@code Authorization: Bearer <token>},
 * compared in constant time. It never appears in a log line, an error or {@link #toString()}.
 */
public final class BearerToken {

    private static final String SCHEME = "Bearer ";
    private static final int MIN_LENGTH = 16;

    // Only the token's SHA-256 is held.
    private final byte[] token;

    private BearerToken(byte[] token) {
        this.token = token;
    }

    /**
     * Reads the token from {@code file} (surrounding white space dropped); errors name the file,
     * never its content.
     */
    public static BearerToken read(Path file) {
        String content;
        try {
            content = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException | UncheckedIOException e) {
            throw new IllegalArgumentException("cannot read the registration token file " + file + " ("
                    + e.getClass().getSimpleName() + "): make it readable by the agent", e);
        }
        if (content.length() < MIN_LENGTH || !content.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException("the registration token file " + file + " must hold one token of at least "
                    + MIN_LENGTH + " printable characters without spaces, e.g. from `openssl rand -hex 32`");
        }
        return new BearerToken(sha256(content.getBytes(StandardCharsets.US_ASCII)));
    }

    /** Whether an {@code Authorization} header value carries this token. */
    public boolean matches(Optional<String> authorization) {
        if (authorization.isEmpty() || !authorization.get().regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            return false;
        }
        byte[] presented = authorization.get().substring(SCHEME.length()).strip().getBytes(StandardCharsets.UTF_8);
        // Digests of equal length, compared in constant time: neither the token's bytes nor its length leak.
        return MessageDigest.isEqual(sha256(presented), token);
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return "BearerToken[redacted]";
    }
}

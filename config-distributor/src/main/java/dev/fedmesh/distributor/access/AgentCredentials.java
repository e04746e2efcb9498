package dev.fedmesh.distributor.access;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Base64;

/**
 * Derives each agent's Kafka password from one secret of the distributor's, so no password is
 * stored anywhere: base64url(HMAC-SHA256(secret, "kafka-agent/&lt;tenant&gt;/&lt;cluster&gt;")),
 * without padding. The same secret always gives the same password; another secret, another one.
 */
public final class AgentCredentials {

    /** The fewest characters a secret file may hold: 32 random bytes in base64 are 44. */
    public static final int MIN_SECRET_LENGTH = 32;

    private final SecretKeySpec key;

    private AgentCredentials(byte[] secret) {
        this.key = new SecretKeySpec(secret, "HmacSHA256");
    }

    /** From a secret of at least {@link #MIN_SECRET_LENGTH} characters (surrounding white space ignored). */
    public static AgentCredentials fromSecret(String secret) {
        String trimmed = secret.strip();
        if (trimmed.length() < MIN_SECRET_LENGTH) {
            throw new IllegalArgumentException("the agent-credential secret has " + trimmed.length()
                    + " characters; it needs at least " + MIN_SECRET_LENGTH + " (create one with"
                    + " 'openssl rand -base64 48')");
        }
        return new AgentCredentials(trimmed.getBytes(StandardCharsets.UTF_8));
    }

    /** Reads the secret from a file; the message says what is wrong, never what the file holds. */
    public static AgentCredentials read(Path file) {
        String secret;
        try {
            secret = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
        }
        return fromSecret(secret);
    }

    /** The Kafka password of the agent of {@code cluster} in {@code tenant}. */
    public String password(String tenant, String cluster) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            byte[] digest = mac.doFinal(("kafka-agent/" + tenant + "/" + cluster).getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available in this JVM", e);
        }
    }

    /** Never shows the secret. */
    @Override
    public String toString() {
        return "AgentCredentials[secret hidden]";
    }
}

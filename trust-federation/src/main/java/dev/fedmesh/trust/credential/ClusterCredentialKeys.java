package dev.fedmesh.trust.credential;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Everything a cluster's agent proves with its bootstrap credential, derived on both sides from
 * the credential's SHA-256: the agent computes it from the credential it was given, the control
 * plane from what the clusters table keeps of it (never the credential itself). Each purpose has
 * its own label, so a value made for one can never pass for another:
 * <ul>
 *   <li>{@link #id()}: names the credential, e.g. in the agent's Kafka user name, so a re-issued
 *       credential is a new principal;</li>
 *   <li>{@link #kafkaPassword}: the agent's SCRAM password;</li>
 *   <li>{@link #reportMac}: the HMAC every status report carries;</li>
 *   <li>{@link #intermediateRequestProof}: the proof of a first intermediate request.</li>
 * </ul>
 * A credential re-issued, or a cluster deleted and registered again, has another SHA-256: every
 * value derived from the old one stops working at once.
 */
public final class ClusterCredentialKeys {

    /** Length of {@link #id()} in hex characters: 48 bits, ample to tell one cluster's credentials apart. */
    public static final int ID_LENGTH = 12;
    private static final String HMAC = "HmacSHA256";

    private final byte[] credentialSha256;

    private ClusterCredentialKeys(byte[] credentialSha256) {
        if (credentialSha256.length != 32) {
            throw new IllegalArgumentException("a credential's SHA-256 has 32 bytes, not " + credentialSha256.length);
        }
        this.credentialSha256 = credentialSha256.clone();
    }

    /** From the credential itself, as the agent holds it (surrounding white space is not part of it). */
    public static ClusterCredentialKeys ofCredential(String credential) {
        Objects.requireNonNull(credential, "credential");
        if (credential.isBlank()) {
            throw new IllegalArgumentException("a bootstrap credential must not be empty");
        }
        return new ClusterCredentialKeys(sha256(credential.strip().getBytes(StandardCharsets.UTF_8)));
    }

    /** From the credential's SHA-256, as the clusters table keeps it. */
    public static ClusterCredentialKeys ofSha256(byte[] credentialSha256) {
        return new ClusterCredentialKeys(Objects.requireNonNull(credentialSha256, "credentialSha256"));
    }

    /** SHA-256 of the credential's UTF-8 bytes: what the control plane stores in its place. */
    public static byte[] sha256Of(String credential) {
        return sha256(credential.strip().getBytes(StandardCharsets.UTF_8));
    }

    /** A short public name of this credential: the first 12 hex digits of SHA-256("fedmesh-credential-id\n" ‖ its SHA-256). */
    public String id() {
        byte[] input = concat("fedmesh-credential-id\n".getBytes(StandardCharsets.UTF_8), credentialSha256);
        return HexFormat.of().formatHex(sha256(input)).substring(0, ID_LENGTH);
    }

    /** The agent's Kafka password: base64url, unpadded, of HMAC-SHA256(key, "fedmesh-kafka-password\n&lt;tenant&gt;\n&lt;cluster&gt;"). */
    public String kafkaPassword(String tenant, String cluster) {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString(hmac(credentialSha256, label("fedmesh-kafka-password", tenant, cluster)));
    }

    /**
     * The HMAC a status report's record carries: HMAC-SHA256 over the record's value, keyed by
     * HMAC-SHA256(key, "fedmesh-status-report\n&lt;tenant&gt;\n&lt;cluster&gt;").
     */
    public byte[] reportMac(String tenant, String cluster, byte[] report) {
        return hmac(hmac(credentialSha256, label("fedmesh-status-report", tenant, cluster)), report);
    }

    /** Whether {@code mac} is this cluster's HMAC of {@code report}, compared in constant time. */
    public boolean reportMacMatches(String tenant, String cluster, byte[] report, byte[] mac) {
        return mac != null && MessageDigest.isEqual(reportMac(tenant, cluster, report), mac);
    }

    /**
     * The proof of a first intermediate request: HMAC-SHA256 of the request's proof bytes (which begin
     * with {@code "fedmesh-intermediate-request\n"}, see cluster_status.proto) keyed by the SHA-256.
     */
    public byte[] intermediateRequestProof(byte[] proofBytes) {
        return hmac(credentialSha256, proofBytes);
    }

    /** Whether {@code proof} is {@link #intermediateRequestProof} of {@code proofBytes}, compared in constant time. */
    public boolean intermediateRequestProofMatches(byte[] proofBytes, byte[] proof) {
        return proof != null && MessageDigest.isEqual(intermediateRequestProof(proofBytes), proof);
    }

    /** Never shows the key. */
    @Override
    public String toString() {
        return "ClusterCredentialKeys[id=" + id() + "]";
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ClusterCredentialKeys keys && MessageDigest.isEqual(credentialSha256, keys.credentialSha256);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(credentialSha256);
    }

    private static byte[] label(String purpose, String tenant, String cluster) {
        return (purpose + "\n" + tenant + "\n" + cluster).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] hmac(byte[] key, byte[] message) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(key, HMAC));
            return mac.doFinal(message);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java runtime computes HMAC-SHA256", e);
        }
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java runtime provides SHA-256", e);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] joined = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, joined, a.length, b.length);
        return joined;
    }
}

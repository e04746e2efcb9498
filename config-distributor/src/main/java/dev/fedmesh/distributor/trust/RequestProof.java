package dev.fedmesh.distributor.trust;

import dev.fedmesh.trust.credential.ClusterCredentialKeys;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;

/**
 * The two proofs an agent may give that its intermediate request speaks for its cluster, checked
 * byte for byte as {@code IntermediateRequest} in cluster_status.proto defines them.
 */
final class RequestProof {

    private static final String PREFIX = "fedmesh-intermediate-request\n";

    private RequestProof() {
    }

    /** {@code "fedmesh-intermediate-request\n<tenant>\n<cluster>\n<requested_at seconds>\n"} (UTF-8), then the CSR's DER. */
    static byte[] bytes(String tenant, String cluster, long requestedAtSeconds, byte[] csrDer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes((PREFIX + tenant + "\n" + cluster + "\n" + requestedAtSeconds + "\n").getBytes(StandardCharsets.UTF_8));
        bytes.writeBytes(csrDer);
        return bytes.toByteArray();
    }

    /**
     * Whether {@code hmac} is HMAC-SHA256 of {@code proofBytes} keyed by SHA-256 of the bootstrap
     * credential, which is exactly what the clusters table keeps of it: the credential itself is
     * needed on neither side.
     */
    static boolean credentialMatches(byte[] credentialSha256, byte[] proofBytes, byte[] hmac) {
        return ClusterCredentialKeys.ofSha256(credentialSha256).intermediateRequestProofMatches(proofBytes, hmac);
    }

    /** Whether {@code signature} over {@code proofBytes} verifies with {@code key} (SHA256withECDSA or SHA256withRSA). */
    static boolean signatureVerifies(PublicKey key, byte[] proofBytes, byte[] signature) {
        String algorithm = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> null;
        };
        if (algorithm == null) {
            return false;
        }
        try {
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(key);
            verifier.update(proofBytes);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}

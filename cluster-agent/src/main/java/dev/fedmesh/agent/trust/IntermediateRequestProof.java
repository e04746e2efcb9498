package dev.fedmesh.agent.trust;

import com.google.protobuf.ByteString;
import dev.fedmesh.api.v1.RenewalProof;
import dev.fedmesh.trust.credential.ClusterCredentialKeys;
import dev.fedmesh.trust.x509.CertificateRequest;
import dev.fedmesh.trust.x509.KeyType;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.Signature;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;

/**
 * How an agent proves that its intermediate request speaks for its cluster, byte for byte as
 * {@code IntermediateRequest} in cluster_status.proto defines it: the first request with an
 * HMAC-SHA256 keyed by the SHA-256 of the bootstrap credential, a renewal with a signature by the
 * current intermediate's key, both over the same proof bytes.
 */
public final class IntermediateRequestProof {

    private static final String PREFIX = "fedmesh-intermediate-request\n";

    private IntermediateRequestProof() {
    }

    /** {@code "fedmesh-intermediate-request\n<tenant>\n<cluster>\n<requested_at seconds>\n"} (UTF-8) then the CSR's DER. */
    public static byte[] proofBytes(String tenant, String cluster, long requestedAtSeconds, byte[] csrDer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes((PREFIX + tenant + "\n" + cluster + "\n" + requestedAtSeconds + "\n")
                .getBytes(StandardCharsets.UTF_8));
        bytes.writeBytes(csrDer);
        return bytes.toByteArray();
    }

    /** HMAC-SHA256 of {@code proofBytes} with key SHA-256(UTF-8 {@code bootstrapCredential}). */
    public static byte[] credentialProof(String bootstrapCredential, byte[] proofBytes) {
        return ClusterCredentialKeys.ofCredential(bootstrapCredential).intermediateRequestProof(proofBytes);
    }

    /** The current intermediate key's SHA-256 (of its DER SubjectPublicKeyInfo) and its signature over {@code proofBytes}. */
    public static RenewalProof renewalProof(KeyPair currentIntermediate, byte[] proofBytes) {
        KeyType type = KeyType.of(currentIntermediate.getPublic()).orElseThrow(() -> new IllegalArgumentException(
                "an intermediate key is EC P-256, EC P-384 or RSA, not " + currentIntermediate.getPublic().getAlgorithm()));
        // The proto names SHA256withECDSA or SHA256withRSA whatever the curve.
        String algorithm = type == KeyType.RSA ? "SHA256withRSA" : "SHA256withECDSA";
        try {
            Signature signature = Signature.getInstance(algorithm);
            signature.initSign(currentIntermediate.getPrivate());
            signature.update(proofBytes);
            return RenewalProof.newBuilder()
                    .setPublicKeySha256(ByteString.copyFrom(publicKeySha256(currentIntermediate)))
                    .setSignature(ByteString.copyFrom(signature.sign()))
                    .build();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign with the current intermediate key: " + e.getMessage(), e);
        }
    }

    /** SHA-256 of the key's DER SubjectPublicKeyInfo: how the desired config names the intermediate for it. */
    public static byte[] publicKeySha256(KeyPair keys) {
        return CertificateRequest.publicKeySha256(SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded()));
    }
}

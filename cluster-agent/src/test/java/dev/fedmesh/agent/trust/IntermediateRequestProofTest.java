package dev.fedmesh.agent.trust;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fedmesh.api.v1.RenewalProof;
import dev.fedmesh.trust.x509.KeyType;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.Signature;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** The proof bytes and both proofs, as cluster_status.proto's IntermediateRequest defines them. */
class IntermediateRequestProofTest {

    private static final byte[] CSR = {0x30, 0x03, 0x02, 0x01, 0x07};

    @Test
    void proofBytesAreTheLabelTenantClusterAndSecondsEachOnItsOwnLineThenTheCsr() {
        byte[] bytes = IntermediateRequestProof.proofBytes("acme", "eu-west-1", 1_764_151_200L, CSR);

        byte[] text = "fedmesh-intermediate-request\nacme\neu-west-1\n1764151200\n".getBytes(StandardCharsets.UTF_8);
        assertThat(bytes).startsWith(text).endsWith(CSR).hasSize(text.length + CSR.length);
    }

    @Test
    void aCredentialProofIsHmacSha256KeyedByTheCredentialsSha256() throws Exception {
        byte[] bytes = IntermediateRequestProof.proofBytes("acme", "east", 1L, CSR);

        byte[] key = MessageDigest.getInstance("SHA-256").digest("correct horse".getBytes(StandardCharsets.UTF_8));
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        assertThat(new BootstrapCredential("correct horse").prove(bytes)).isEqualTo(mac.doFinal(bytes));
        assertThat(new BootstrapCredential("another").prove(bytes)).isNotEqualTo(mac.doFinal(bytes));
    }

    @Test
    void aRenewalProofNamesTheCurrentKeyAndVerifiesWithItOverTheSameBytesOnly() throws Exception {
        KeyPair current = KeyType.EC_P256.generate();
        byte[] bytes = IntermediateRequestProof.proofBytes("acme", "east", 1L, CSR);

        RenewalProof proof = IntermediateRequestProof.renewalProof(current, bytes);

        assertThat(proof.getPublicKeySha256().toByteArray())
                .isEqualTo(MessageDigest.getInstance("SHA-256").digest(current.getPublic().getEncoded()));
        assertThat(verifies(current, bytes, proof)).isTrue();
        assertThat(verifies(current, IntermediateRequestProof.proofBytes("acme", "west", 1L, CSR), proof)).isFalse();
    }

    @Test
    void theCredentialIsNeverShownByToString() {
        assertThat(new BootstrapCredential("hunter2").toString()).doesNotContain("hunter2")
                .doesNotContain(HexFormat.of().formatHex("hunter2".getBytes(StandardCharsets.UTF_8)));
    }

    private static boolean verifies(KeyPair keys, byte[] bytes, RenewalProof proof) throws Exception {
        Signature signature = Signature.getInstance("SHA256withECDSA");
        signature.initVerify(keys.getPublic());
        signature.update(bytes);
        return signature.verify(proof.getSignature().toByteArray());
    }
}

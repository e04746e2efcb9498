package dev.fedmesh.trust.x509;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.security.KeyPair;
import java.util.List;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.Test;

class CertificateRequestTest {

    @Test
    void aCaRequestSaysWhatItAsksForAfterAPemRoundTrip() {
        KeyPair keys = KeyType.EC_P384.generate();

        CertificateRequest request = CertificateRequest.parse(
                CertificateRequest.create(keys, "east", List.of(URI.create("spiffe://acme.fedmesh.dev")), true).toPem());

        assertThat(request.subject()).isEqualTo("CN=east");
        assertThat(request.uriSans()).containsExactly("spiffe://acme.fedmesh.dev");
        assertThat(request.otherSans()).isEmpty();
        assertThat(request.requestedBasicConstraints()).hasValueSatisfying(bc -> assertThat(bc.isCA()).isTrue());
        assertThat(request.requestedKeyUsage()).hasValueSatisfying(ku -> assertThat(ku.hasUsages(KeyUsage.keyCertSign)).isTrue());
        assertThat(request.publicKey()).isEqualTo(keys.getPublic());
        assertThat(request.signatureVerifies()).isTrue();
        assertThat(KeyType.of(request.subjectPublicKeyInfo())).contains(KeyType.EC_P384);
    }

    @Test
    void aRequestWhoseSignatureWasAlteredDoesNotVerify() {
        byte[] der = CertificateRequest.create(KeyType.EC_P256.generate(), "east", List.of(), true).der();
        der[der.length - 3] ^= 0x01;

        assertThat(CertificateRequest.fromDer(der).signatureVerifies()).isFalse();
    }

    @Test
    void theSameKeyHasTheSameSha256InEveryRequest() {
        KeyPair keys = KeyType.EC_P256.generate();

        byte[] first = CertificateRequest.create(keys, "east", List.of(), true).publicKeySha256();
        byte[] second = CertificateRequest.create(keys, "other", List.of(URI.create("spiffe://x")), false).publicKeySha256();

        assertThat(first).hasSize(32).isEqualTo(second);
    }
}

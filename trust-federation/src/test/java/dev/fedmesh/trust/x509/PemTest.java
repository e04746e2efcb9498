package dev.fedmesh.trust.x509;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fedmesh.trust.spiffe.TrustDomain;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class PemTest {

    private static final Instant NOW = Instant.parse("2026-11-26T10:00:00Z");

    @Test
    void aChainWrittenAsPemReadsBackInTheSameOrder() {
        KeyPair rootKeys = KeyType.EC_P256.generate();
        X509Certificate root = RootCertificate.selfSigned(rootKeys, TrustDomain.of("acme.fedmesh.dev"), NOW, Duration.ofDays(365));
        KeyPair agentKeys = KeyType.EC_P256.generate();
        X509Certificate intermediate = IntermediateCertificate.fromRequest(
                CertificateRequest.create(agentKeys, "east", List.of(), true), TrustDomain.of("acme.fedmesh.dev"),
                NOW, Duration.ofDays(30), 0, root, rootKeys.getPrivate());

        String pem = Pem.write(List.of(intermediate, root));

        assertThat(pem).startsWith("-----BEGIN CERTIFICATE-----");
        assertThat(Pem.certificates(pem)).containsExactly(intermediate, root);
    }

    @Test
    void blocksOfAnyLabelReadBackInOrderIgnoringTextAroundThem() {
        byte[] first = {1, 2, 3};
        byte[] second = new byte[100];
        String pem = "a comment\n" + Pem.write("PRIVATE KEY", first) + "between\n" + Pem.write("PUBLIC KEY", second);

        List<Pem.Block> blocks = Pem.blocks(pem);

        assertThat(blocks).extracting(Pem.Block::label).containsExactly("PRIVATE KEY", "PUBLIC KEY");
        assertThat(blocks.get(0).der()).isEqualTo(first);
        assertThat(blocks.get(1).der()).isEqualTo(second);
        assertThat(Pem.blocks("no PEM here\n")).isEmpty();
        assertThatThrownBy(() -> Pem.blocks("-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----\n"))
                .isInstanceOf(InvalidPemException.class);
    }

    @Test
    void privateKeysOfEveryKeyTypeRoundTripAsPkcs8() {
        for (KeyType type : KeyType.values()) {
            KeyPair keys = type.generate();

            String pem = Pem.write(keys.getPrivate());

            assertThat(pem).startsWith("-----BEGIN PRIVATE KEY-----");
            assertThat(Pem.privateKey(pem).getEncoded()).isEqualTo(keys.getPrivate().getEncoded());
        }
    }

    @Test
    void aKeyWhereACertificateIsExpectedIsNamedInTheError() {
        String keyPem = Pem.write(KeyType.EC_P256.generate().getPrivate());

        assertThatThrownBy(() -> Pem.certificates(keyPem))
                .isInstanceOf(InvalidPemException.class)
                .hasMessage("expected only CERTIFICATE blocks, found a PRIVATE KEY");
        assertThatThrownBy(() -> Pem.certificates("no pem here"))
                .hasMessage("no '-----BEGIN CERTIFICATE-----' block found");
    }
}

package dev.fedmesh.trust.x509;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fedmesh.trust.spiffe.TrustDomain;
import java.net.URI;
import java.security.KeyPair;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.Test;

/** Roots, intermediates from CSRs and leaves validate as the JDK's PKIX validator sees them. */
class CertificateChainTest {

    private static final Instant NOW = Instant.parse("2026-11-26T10:00:00Z");
    private static final TrustDomain ACME = TrustDomain.of("acme.fedmesh.dev");

    private final KeyPair rootKeys = KeyType.EC_P256.generate();
    private final X509Certificate root = RootCertificate.selfSigned(rootKeys, ACME, NOW, Duration.ofDays(365));
    private final KeyPair agentKeys = KeyType.EC_P256.generate();
    private final X509Certificate intermediate = IntermediateCertificate.fromRequest(
            CertificateRequest.create(agentKeys, "east", List.of(ACME.id().toUri()), true), ACME, NOW,
            Duration.ofDays(30), 0, root, rootKeys.getPrivate());

    @Test
    void theRootIsASelfSignedCaOfItsTrustDomain() throws Exception {
        root.verify(rootKeys.getPublic());

        assertThat(root.getBasicConstraints()).isEqualTo(Integer.MAX_VALUE);
        assertThat(root.getKeyUsage()[5]).as("keyCertSign").isTrue();
        assertThat(CertificateUris.of(root)).containsExactly("spiffe://acme.fedmesh.dev");
    }

    @Test
    void theIntermediateCarriesTheIssuersDecisionNotTheRequestsWishes() throws Exception {
        intermediate.verify(rootKeys.getPublic());

        assertThat(intermediate.getPublicKey()).isEqualTo(agentKeys.getPublic());
        assertThat(intermediate.getBasicConstraints()).isZero();
        assertThat(intermediate.getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofDays(30)));
        assertThat(CertificateUris.of(intermediate)).containsExactly("spiffe://acme.fedmesh.dev");
        assertThat(intermediate.getCriticalExtensionOIDs()).contains("2.5.29.30");
    }

    @Test
    void anIntermediateNeverOutlivesItsIssuer() {
        X509Certificate longLived = IntermediateCertificate.fromRequest(
                CertificateRequest.create(KeyType.EC_P256.generate(), "east", List.of(), true), ACME, NOW,
                Duration.ofDays(4000), 0, root, rootKeys.getPrivate());

        assertThat(longLived.getNotAfter()).isEqualTo(root.getNotAfter());
    }

    @Test
    void aLeafInTheTrustDomainValidatesUpToTheRoot() throws Exception {
        X509Certificate leaf = leaf(URI.create("spiffe://acme.fedmesh.dev/ns/shop/sa/cart"));

        validate(leaf);
    }

    @Test
    void theNameConstraintRefusesALeafOfAnotherTrustDomain() {
        X509Certificate leaf = leaf(URI.create("spiffe://globex.fedmesh.dev/ns/shop/sa/cart"));

        assertThatThrownBy(() -> validate(leaf))
                .isInstanceOf(CertPathValidatorException.class)
                .hasMessageContaining("name constraints");
    }

    private X509Certificate leaf(URI id) {
        return CertificateBuilder.forKey(KeyType.EC_P256.generate().getPublic())
                .validity(NOW, NOW.plus(Duration.ofHours(1)))
                .uriSan(id)
                .keyUsage(KeyUsage.digitalSignature)
                .extendedKeyUsage(KeyPurposeId.id_kp_serverAuth)
                .signedBy(intermediate, agentKeys.getPrivate());
    }

    private void validate(X509Certificate leaf) throws Exception {
        PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
        parameters.setRevocationEnabled(false);
        parameters.setDate(Date.from(NOW.plusSeconds(60)));
        CertPathValidator.getInstance("PKIX").validate(
                CertificateFactory.getInstance("X.509").generateCertPath(List.of(leaf, intermediate)), parameters);
    }
}

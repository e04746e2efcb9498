package dev.fedmesh.trust.svid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fedmesh.trust.spiffe.SpiffeId;
import dev.fedmesh.trust.spiffe.TrustDomain;
import dev.fedmesh.trust.x509.CertificateRequest;
import dev.fedmesh.trust.x509.CertificateUris;
import dev.fedmesh.trust.x509.IntermediateCertificate;
import dev.fedmesh.trust.x509.KeyType;
import dev.fedmesh.trust.x509.Pem;
import dev.fedmesh.trust.x509.RootCertificate;
import java.security.KeyPair;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SvidIssuerTest {

    private static final Instant NOW = Instant.parse("2026-11-26T10:00:00Z");
    private static final TrustDomain ACME = TrustDomain.of("acme.fedmesh.dev");
    private static final SpiffeId CART = ACME.workload("shop", "cart");

    private final KeyPair rootKeys = KeyType.EC_P256.generate();
    private final X509Certificate root = RootCertificate.selfSigned(rootKeys, ACME, NOW, Duration.ofDays(365));
    private final KeyPair agentKeys = KeyType.EC_P256.generate();
    private final X509Certificate intermediate = IntermediateCertificate.fromRequest(
            CertificateRequest.create(agentKeys, "east", List.of(), true), ACME, NOW, Duration.ofDays(1), 0, root,
            rootKeys.getPrivate());
    private final SvidIssuer issuer = new SvidIssuer(ACME, agentKeys.getPrivate(), List.of(intermediate), Duration.ofHours(1));

    @Test
    void anSvidNamesItsWorkloadAndServesAsTlsServerAndClient() throws Exception {
        X509Svid svid = issuer.issue(CART, KeyType.EC_P256.generate().getPublic(), NOW);
        X509Certificate leaf = svid.certificate();

        assertThat(CertificateUris.of(leaf)).containsExactly("spiffe://acme.fedmesh.dev/ns/shop/sa/cart");
        assertThat(leaf.getBasicConstraints()).as("not a CA").isEqualTo(-1);
        assertThat(leaf.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
        boolean[] usage = leaf.getKeyUsage();
        assertThat(usage[0]).as("digitalSignature").isTrue();
        assertThat(usage[4]).as("keyAgreement for an EC key").isTrue();
        assertThat(usage[5]).as("keyCertSign").isFalse();
        assertThat(Pem.certificates(svid.chainPem())).containsExactly(leaf, intermediate);
        validate(svid);
    }

    @Test
    void anRsaWorkloadKeyGetsKeyEncipherment() {
        X509Certificate leaf = issuer.issue(CART, KeyType.RSA.generate().getPublic(), NOW).certificate();

        assertThat(leaf.getKeyUsage()[2]).as("keyEncipherment").isTrue();
        assertThat(leaf.getKeyUsage()[4]).as("keyAgreement").isFalse();
    }

    @Test
    void anSvidLivesForItsTtlAndIsRenewedAtHalfLife() {
        X509Svid svid = issuer.issue(CART, KeyType.EC_P256.generate().getPublic(), NOW);

        assertThat(svid.notAfter()).isEqualTo(NOW.plus(Duration.ofHours(1)));
        assertThat(svid.renewAt()).isEqualTo(NOW.plus(Duration.ofMinutes(30)));
    }

    @Test
    void anSvidNeverOutlivesItsIntermediate() {
        Instant lateInTheDay = NOW.plus(Duration.ofHours(23));

        X509Svid svid = issuer.issue(CART, KeyType.EC_P256.generate().getPublic(), lateInTheDay);

        assertThat(svid.notAfter()).isEqualTo(intermediate.getNotAfter().toInstant());
    }

    @Test
    void anIdOfAnotherTrustDomainIsRefused() {
        SpiffeId foreign = TrustDomain.of("globex.fedmesh.dev").workload("shop", "cart");

        assertThatThrownBy(() -> issuer.issue(foreign, KeyType.EC_P256.generate().getPublic(), NOW))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("spiffe://globex.fedmesh.dev/ns/shop/sa/cart")
                .hasMessageContaining("spiffe://acme.fedmesh.dev only");
    }

    private void validate(X509Svid svid) throws Exception {
        PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
        parameters.setRevocationEnabled(false);
        parameters.setDate(Date.from(NOW.plusSeconds(1)));
        CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509")
                .generateCertPath(List.of(svid.certificate(), intermediate)), parameters);
    }
}

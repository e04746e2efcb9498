package dev.fedmesh.agent.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fedmesh.trust.ca.BuiltInCertificateAuthority;
import dev.fedmesh.trust.ca.IntermediateSigningRequest;
import dev.fedmesh.trust.ca.SignedIntermediate;
import dev.fedmesh.trust.spiffe.TrustDomain;
import dev.fedmesh.trust.svid.SvidIssuer;
import dev.fedmesh.trust.svid.X509Svid;
import dev.fedmesh.trust.x509.CertificateRequest;
import dev.fedmesh.trust.x509.CertificateUris;
import dev.fedmesh.trust.x509.KeyType;
import dev.fedmesh.trust.x509.Pem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkloadIdentityTest {

    private static final TrustDomain ACME = TrustDomain.of("acme.fedmesh.dev");

    @TempDir
    Path dir;

    @Test
    void firstSvidIsWrittenWithItsKeyAndTheBundleAndRenewedOnlyFromHalfItsLifetime() throws Exception {
        BuiltInCertificateAuthority ca = BuiltInCertificateAuthority.open(dir.resolve("ca"), Clock.systemUTC());
        WorkloadIdentity identity = new WorkloadIdentity(ACME.workload("shop", "greeter"), issuer(ca),
                new WorkloadCertificateFiles(dir.resolve("greeter")), ca.roots(ACME));
        Instant now = Instant.now();

        assertThat(identity.renewIfDue(now)).isTrue();
        X509Svid first = identity.svid();
        List<X509Certificate> chain = Pem.certificates(Files.readString(identity.files().certificateFile()));
        assertThat(CertificateUris.of(chain.get(0))).containsExactly("spiffe://acme.fedmesh.dev/ns/shop/sa/greeter");
        assertThat(chain).hasSize(2);
        assertThat(Pem.certificates(Files.readString(identity.files().trustBundleFile()))).isEqualTo(ca.roots(ACME));
        assertThat(Pem.privateKey(Files.readString(identity.files().privateKeyFile()))).isNotNull();

        assertThat(identity.renewIfDue(first.renewAt().minusSeconds(1))).isFalse();
        assertThat(identity.svid()).isSameAs(first);
        assertThat(identity.renewIfDue(first.renewAt())).isTrue();
        assertThat(identity.svid().certificate()).isNotEqualTo(first.certificate());
        assertThat(identity.svid().certificate().getPublicKey()).isNotEqualTo(first.certificate().getPublicKey());
    }

    @Test
    void aNewTrustBundleRewritesTheFilesWithTheCurrentSvid() throws Exception {
        BuiltInCertificateAuthority ca = BuiltInCertificateAuthority.open(dir.resolve("ca"), Clock.systemUTC());
        BuiltInCertificateAuthority next = BuiltInCertificateAuthority.open(dir.resolve("next-ca"), Clock.systemUTC());
        WorkloadIdentity identity = new WorkloadIdentity(ACME.workload("shop", "greeter"), issuer(ca),
                new WorkloadCertificateFiles(dir.resolve("greeter")), ca.roots(ACME));
        identity.renewIfDue(Instant.now());
        String certificate = Files.readString(identity.files().certificateFile());

        identity.trustBundleChanged(List.of(ca.roots(ACME).get(0), next.roots(ACME).get(0)));

        assertThat(Pem.certificates(Files.readString(identity.files().trustBundleFile()))).hasSize(2);
        assertThat(Files.readString(identity.files().certificateFile())).isEqualTo(certificate);
    }

    private static SvidIssuer issuer(BuiltInCertificateAuthority ca) {
        KeyPair keys = KeyType.EC_P256.generate();
        SignedIntermediate intermediate = ca.signIntermediate(IntermediateSigningRequest.leavesOnly(ACME,
                CertificateRequest.create(keys, "fedmesh agent east", List.of(), true), Duration.ofDays(1)));
        return new SvidIssuer(ACME, keys.getPrivate(), List.of(intermediate.certificate()), Duration.ofHours(1));
    }
}

package dev.fedmesh.agent.trust;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.fedmesh.api.v1.ClusterIntermediate;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.IntermediateRequest;
import dev.fedmesh.api.v1.MeshTrust;
import dev.fedmesh.trust.ca.BuiltInCertificateAuthority;
import dev.fedmesh.trust.issuance.InMemoryIssuedIntermediates;
import dev.fedmesh.trust.issuance.IntermediateIssuer;
import dev.fedmesh.trust.issuance.IntermediateOwner;
import dev.fedmesh.trust.issuance.IntermediateTerms;
import dev.fedmesh.trust.issuance.IssuedIntermediate;
import dev.fedmesh.trust.spiffe.TrustDomain;
import dev.fedmesh.trust.x509.CertificateFingerprint;
import dev.fedmesh.trust.x509.CertificateRequest;
import dev.fedmesh.trust.x509.IntermediateCertificate;
import dev.fedmesh.trust.x509.KeyType;
import dev.fedmesh.trust.x509.Pem;
import dev.fedmesh.trust.x509.RootCertificate;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** When the agent asks for an intermediate, with which proof, and what it holds after a restart or an expiry. */
class IntermediateRotationTest {

    private static final TrustDomain DOMAIN = TrustDomain.of("acme.fedmesh.dev");
    private static final Optional<BootstrapCredential> CREDENTIAL = Optional.of(new BootstrapCredential("fmb_east"));

    @TempDir
    Path dir;
    private IntermediateIssuer controlPlane;
    private IntermediateOwner owner;
    private String rootsPem;
    private String oldRootSha256;

    @BeforeEach
    void controlPlane() {
        BuiltInCertificateAuthority ca = BuiltInCertificateAuthority.open(dir.resolve("ca"), Clock.systemUTC());
        controlPlane = new IntermediateIssuer(ca, new InMemoryIssuedIntermediates(), (o, key, refusal) -> { },
                new IntermediateTerms(Duration.ofHours(3), 0), Clock.systemUTC());
        owner = new IntermediateOwner(UUID.randomUUID(), "east", DOMAIN);
        rootsPem = Pem.write(ca.roots(DOMAIN));
        oldRootSha256 = CertificateFingerprint.sha256Hex(ca.roots(DOMAIN).get(0));
    }

    @Test
    void nothingIsAskedBeforeAConfigNamesTheTrustDomainNorWithoutACredential() {
        IntermediateRotation withCredential = rotation(CREDENTIAL);
        assertThat(withCredential.request(Instant.now())).isEmpty();
        assertThat(withCredential.configApplied(DesiredConfig.newBuilder().setRevision(1).build())).isFalse();
        assertThat(withCredential.request(Instant.now())).isEmpty();

        IntermediateRotation withoutCredential = rotation(Optional.empty());
        withoutCredential.configApplied(config());
        assertThat(withoutCredential.request(Instant.now())).isEmpty();
        assertThat(withoutCredential.issuer(Duration.ofHours(1))).isEmpty();
    }

    @Test
    void theSameRequestIsRepeatedUntilItsCertificateArrivesThenNoneUntilTwoThirdsOfItsLife() {
        IntermediateRotation rotation = rotation(CREDENTIAL);
        rotation.configApplied(config());
        IntermediateRequest first = rotation.request(Instant.now()).orElseThrow();
        assertThat(first.hasCredentialProof()).isTrue();
        assertThat(rotation.request(Instant.now().plusSeconds(30))).contains(first);

        IssuedIntermediate issued = issue(first);
        assertThat(rotation.configApplied(config(issued))).isTrue();

        Instant notBefore = issued.signed().certificate().getNotBefore().toInstant();
        Instant notAfter = issued.signed().certificate().getNotAfter().toInstant();
        assertThat(rotation.notAfter()).contains(notAfter);
        assertThat(rotation.issuer(Duration.ofHours(1))).isPresent();
        Instant twoThirds = notBefore.plus(Duration.between(notBefore, notAfter).multipliedBy(2).dividedBy(3));
        assertThat(rotation.request(twoThirds.minusSeconds(1))).isEmpty();
        IntermediateRequest renewal = rotation.request(twoThirds).orElseThrow();
        assertThat(renewal.getRenewalProof().getPublicKeySha256().toByteArray()).isEqualTo(issued.publicKeySha256());
        assertThat(rotation.issuer(Duration.ofHours(1))).as("still issuing from the current one").isPresent();
        assertThat(rotation.notAfter()).contains(notAfter);

        IssuedIntermediate next = issue(renewal);
        assertThat(rotation.configApplied(config(issued, next))).isTrue();
        assertThat(rotation.notAfter()).contains(next.signed().certificate().getNotAfter().toInstant());
        assertThat(rotation.request(Instant.now())).isEmpty();
    }

    @Test
    void aRestartedAgentReadsItsKeyBackAndFindsItsCertificateInTheConfig() {
        IntermediateRotation before = rotation(CREDENTIAL);
        before.configApplied(config());
        IssuedIntermediate issued = issue(before.request(Instant.now()).orElseThrow());

        IntermediateRotation after = rotation(Optional.empty());
        assertThat(after.configApplied(config(issued))).isTrue();

        assertThat(after.notAfter()).contains(issued.signed().certificate().getNotAfter().toInstant());
        assertThat(after.request(Instant.now())).isEmpty();
    }

    @Test
    void anIntermediateTheConfigsNoLongerCarryWasRevokedAndANewOneIsAskedForWithTheCredentialAndANewKey() {
        IntermediateRotation rotation = rotation(CREDENTIAL);
        rotation.configApplied(config());
        IssuedIntermediate issued = issue(rotation.request(Instant.now()).orElseThrow());
        rotation.configApplied(config(issued));
        assertThat(rotation.issuer(Duration.ofHours(1))).isPresent();

        assertThat(rotation.configApplied(config())).as("the SVIDs' issuer changed").isTrue();

        assertThat(rotation.issuer(Duration.ofHours(1))).as("no SVID from a revoked intermediate").isEmpty();
        assertThat(rotation.notAfter()).isEmpty();
        IntermediateRequest again = rotation.request(Instant.now()).orElseThrow();
        assertThat(again.hasCredentialProof()).isTrue();
        assertThat(CertificateRequest.fromDer(again.getCsrDer().toByteArray()).publicKeySha256())
                .isNotEqualTo(issued.publicKeySha256());
    }

    @Test
    void anIntermediateThatExpiredWhileTheAgentWasAwayIsAskedForAgainWithTheCredentialAndANewKey() {
        IntermediateRotation rotation = rotation(CREDENTIAL);
        rotation.configApplied(config());
        IssuedIntermediate issued = issue(rotation.request(Instant.now()).orElseThrow());
        rotation.configApplied(config(issued));

        IntermediateRequest again = rotation.request(issued.signed().certificate().getNotAfter().toInstant())
                .orElseThrow();

        assertThat(again.hasCredentialProof()).isTrue();
        assertThat(CertificateRequest.fromDer(again.getCsrDer().toByteArray()).publicKeySha256())
                .isNotEqualTo(issued.publicKeySha256());
        assertThat(rotation.notAfter()).isEmpty();
    }

    @Test
    void aConfigNamingAnotherSigningRootHasTheNewKeyAskedForAtOnceOnceAndSvidsIssuedFromTheCurrentOneUntilItArrives() {
        IntermediateRotation rotation = rotation(CREDENTIAL);
        rotation.configApplied(config());
        IssuedIntermediate issued = issue(rotation.request(Instant.now()).orElseThrow());
        rotation.configApplied(config(issued));
        assertThat(rotation.current().orElseThrow().rootSha256()).isEqualTo(oldRootSha256);
        NewRoot newRoot = new NewRoot();

        assertThat(rotation.configApplied(newRoot.config(newRoot.sha256, issued))).isFalse();
        IntermediateRequest renewal = rotation.request(Instant.now()).orElseThrow();

        assertThat(renewal.getRenewalProof().getPublicKeySha256().toByteArray()).isEqualTo(issued.publicKeySha256());
        assertThat(CertificateRequest.fromDer(renewal.getCsrDer().toByteArray()).publicKeySha256())
                .isNotEqualTo(issued.publicKeySha256());
        assertThat(rotation.request(Instant.now().plusSeconds(30))).as("asked once, repeated as is").contains(renewal);
        assertThat(rotation.configApplied(newRoot.config(newRoot.sha256, issued))).isFalse();
        assertThat(rotation.request(Instant.now().plusSeconds(60))).contains(renewal);
        assertThat(rotation.current().orElseThrow().certificate()).as("still issuing from the current one")
                .isEqualTo(issued.signed().certificate());

        ClusterIntermediate underNewRoot = newRoot.issue(renewal);
        assertThat(rotation.configApplied(newRoot.config(newRoot.sha256, issued).toBuilder()
                .addIntermediates(underNewRoot).build())).isTrue();
        assertThat(rotation.current().orElseThrow().rootSha256()).isEqualTo(newRoot.sha256);
        assertThat(rotation.request(Instant.now())).isEmpty();
    }

    @Test
    void aConfigNamingTheRootTheIntermediateChainsToAsksForNothing() {
        IntermediateRotation rotation = rotation(CREDENTIAL);
        rotation.configApplied(config());
        IssuedIntermediate issued = issue(rotation.request(Instant.now()).orElseThrow());
        rotation.configApplied(config(issued));
        NewRoot newRoot = new NewRoot();

        assertThat(rotation.configApplied(newRoot.config(oldRootSha256, issued))).isFalse();

        assertThat(rotation.request(Instant.now())).isEmpty();
        assertThat(rotation.current().orElseThrow().rootSha256()).isEqualTo(oldRootSha256);
    }

    @Test
    void aRestartedAgentAsksForItsIntermediateUnderTheNewRootWithTheKeyItAlreadyMade() {
        IntermediateRotation before = rotation(CREDENTIAL);
        before.configApplied(config());
        IssuedIntermediate issued = issue(before.request(Instant.now()).orElseThrow());
        NewRoot newRoot = new NewRoot();
        before.configApplied(newRoot.config(newRoot.sha256, issued));
        IntermediateRequest asked = before.request(Instant.now()).orElseThrow();

        IntermediateRotation after = rotation(Optional.empty());
        after.configApplied(newRoot.config(newRoot.sha256, issued));
        IntermediateRequest askedAgain = after.request(Instant.now()).orElseThrow();

        assertThat(CertificateRequest.fromDer(askedAgain.getCsrDer().toByteArray()).publicKeySha256())
                .isEqualTo(CertificateRequest.fromDer(asked.getCsrDer().toByteArray()).publicKeySha256());
        assertThat(askedAgain.getRenewalProof().getPublicKeySha256()).isEqualTo(asked.getRenewalProof().getPublicKeySha256());
    }

    /** A second root of the trust domain, with the first one's subject, and the bundle of both. */
    private final class NewRoot {
        final KeyPair keys = KeyType.EC_P256.generate();
        final X509Certificate certificate = RootCertificate.selfSigned(keys, DOMAIN, Instant.now(), Duration.ofDays(365));
        final String sha256 = CertificateFingerprint.sha256Hex(certificate);

        /** Both roots in the bundle, {@code signingRootSha256} (hex) as the signing root. */
        DesiredConfig config(String signingRootSha256, IssuedIntermediate... intermediates) {
            DesiredConfig config = IntermediateRotationTest.this.config(intermediates);
            return config.toBuilder().setTrust(config.getTrust().toBuilder()
                    .addRootCertificatesPem(Pem.write(certificate))
                    .setSigningRootSha256(ByteString.copyFrom(HexFormat.of().parseHex(signingRootSha256)))).build();
        }

        ClusterIntermediate issue(IntermediateRequest request) {
            CertificateRequest csr = CertificateRequest.fromDer(request.getCsrDer().toByteArray());
            X509Certificate intermediate = IntermediateCertificate.fromRequest(csr, DOMAIN, Instant.now(),
                    Duration.ofHours(3), 0, certificate, keys.getPrivate());
            return ClusterIntermediate.newBuilder()
                    .setPublicKeySha256(ByteString.copyFrom(csr.publicKeySha256()))
                    .setChainPem(Pem.write(List.of(intermediate, certificate)))
                    .build();
        }
    }

    private IntermediateRotation rotation(Optional<BootstrapCredential> credential) {
        return new IntermediateRotation("acme", "east", new IntermediateKeyFiles(dir.resolve("agent")), credential);
    }

    private IssuedIntermediate issue(IntermediateRequest request) {
        return controlPlane.issue(owner, CertificateRequest.fromDer(request.getCsrDer().toByteArray()));
    }

    private DesiredConfig config(IssuedIntermediate... intermediates) {
        DesiredConfig.Builder config = DesiredConfig.newBuilder().setTenant("acme").setCluster("east").setRevision(1)
                .setTrust(MeshTrust.newBuilder().setTrustDomain(DOMAIN.name()).addRootCertificatesPem(rootsPem));
        for (IssuedIntermediate intermediate : intermediates) {
            config.addIntermediates(ClusterIntermediate.newBuilder()
                    .setPublicKeySha256(ByteString.copyFrom(intermediate.publicKeySha256()))
                    .setChainPem(intermediate.signed().chainPem()));
        }
        return config.build();
    }
}

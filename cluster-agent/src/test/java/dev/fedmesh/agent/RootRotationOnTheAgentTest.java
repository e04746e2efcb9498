package dev.fedmesh.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.fedmesh.agent.identity.WorkloadCertificateFiles;
import dev.fedmesh.agent.trust.BootstrapCredential;
import dev.fedmesh.agent.trust.TrustSettings;
import dev.fedmesh.api.v1.ClusterIntermediate;
import dev.fedmesh.api.v1.ClusterStatus;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.IntermediateRequest;
import dev.fedmesh.api.v1.MeshTrust;
import dev.fedmesh.api.v1.Service;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.testing.TestResources;
import dev.fedmesh.trust.ca.BuiltInCertificateAuthority;
import dev.fedmesh.trust.issuance.IntermediateIssuer;
import dev.fedmesh.trust.issuance.IntermediateOwner;
import dev.fedmesh.trust.issuance.IssuedIntermediate;
import dev.fedmesh.trust.signing.ConfigSigningKey;
import dev.fedmesh.trust.spiffe.TrustDomain;
import dev.fedmesh.trust.x509.CertificateFingerprint;
import dev.fedmesh.trust.x509.CertificateRequest;
import dev.fedmesh.trust.x509.IntermediateCertificate;
import dev.fedmesh.trust.x509.KeyType;
import dev.fedmesh.trust.x509.Pem;
import dev.fedmesh.trust.x509.RootCertificate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's side of a root rotation against a real Kafka broker: a desired config naming another
 * signing root has the agent ask at once for a new intermediate, re-issue every workload's SVID from
 * it as soon as it arrives, and report the new root; a config naming the root it has changes
 * nothing but the bundle. The control plane's half is played over the real topics, with the
 * trust-federation issuer for the first root and a second root made here.
 */
class RootRotationOnTheAgentTest {

    private static final String TENANT = "acme";
    private static final String CLUSTER = "east";
    private static final TrustDomain DOMAIN = TrustDomain.of("acme.fedmesh.dev");
    // Long lives: any renewal or re-issue seen here is the root rotation's, not two thirds or half of a life.
    private static final Duration INTERMEDIATE_TTL = Duration.ofHours(3);
    private static final Duration SVID_TTL = Duration.ofHours(1);
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final ConfigSigningKey CONTROL_PLANE = ConfigSigningKey.generate();

    @TempDir
    Path dir;

    @AutoClose
    private final TestResources resources = new TestResources();

    @Test
    void aNewSigningRootHasEverySvidReissuedUnderItAtOnceAndReportedOnlyThen() throws Exception {
        PlayedControlPlane played = PlayedControlPlane.start(getClass(), TENANT, CONTROL_PLANE, dir.resolve("ca"),
                INTERMEDIATE_TTL, PATIENCE, resources);
        ControlPlaneTopics topics = played.topics();
        BuiltInCertificateAuthority ca = played.ca();
        IntermediateIssuer controlPlane = played.issuer();
        X509Certificate oldRoot = ca.roots(DOMAIN).get(0);
        KeyPair newRootKeys = KeyType.EC_P256.generate();
        X509Certificate newRoot = RootCertificate.selfSigned(newRootKeys, DOMAIN, Instant.now(), Duration.ofDays(365));
        ByteString oldRootSha256 = ByteString.copyFrom(CertificateFingerprint.sha256(oldRoot));
        ByteString newRootSha256 = ByteString.copyFrom(CertificateFingerprint.sha256(newRoot));

        ClusterAgent agent = topics.startAgent(CLUSTER, dir.resolve("agent-state"),
                TrustSettings.DEFAULT.withBootstrapCredential(new BootstrapCredential("fmb_east")).withSvidTtl(SVID_TTL));
        resources.add(agent);
        agent.inventory().register(new ServiceEndpoint("greeter", "127.0.0.1", 50051, Map.of()));
        agent.inventory().register(new ServiceEndpoint("frontend", "127.0.0.1", 50052, Map.of()));
        List<WorkloadCertificateFiles> files = List.of(agent.workloadFiles("default", "greeter"),
                agent.workloadFiles("default", "frontend"));

        topics.publish(config(1, List.of(oldRoot), ByteString.EMPTY));
        IntermediateRequest first = topics.awaitReport("the first intermediate request",
                report -> report.getIntermediateRequest().hasCredentialProof()).getIntermediateRequest();
        IssuedIntermediate firstIntermediate = controlPlane.issue(new IntermediateOwner(UUID.randomUUID(), CLUSTER, DOMAIN),
                CertificateRequest.fromDer(first.getCsrDer().toByteArray()));
        ClusterIntermediate underOldRoot = ClusterIntermediate.newBuilder()
                .setPublicKeySha256(ByteString.copyFrom(firstIntermediate.publicKeySha256()))
                .setChainPem(firstIntermediate.signed().chainPem())
                .build();
        topics.publish(config(2, List.of(oldRoot), ByteString.EMPTY, underOldRoot));
        topics.awaitReport("the old root as the SVIDs' root",
                report -> report.getSvidRootSha256().equals(oldRootSha256));
        for (WorkloadCertificateFiles workload : files) {
            assertThat(issuerOf(workload)).isEqualTo(firstIntermediate.signed().certificate());
        }

        // The new root joins the bundle while new intermediates are still issued under the old one.
        topics.publish(config(3, List.of(oldRoot, newRoot), oldRootSha256, underOldRoot));
        for (WorkloadCertificateFiles workload : files) {
            awaitBundle(workload, List.of(oldRoot, newRoot));
            assertThat(issuerOf(workload)).isEqualTo(firstIntermediate.signed().certificate());
        }
        Instant bundleWritten = Instant.now();
        ClusterStatus afterBundle = topics.awaitReport("a report made after the bundle was written",
                report -> report.getReportedAt().getSeconds() > bundleWritten.getEpochSecond());
        assertThat(afterBundle.hasIntermediateRequest()).as("a config naming the root the agent has asks nothing")
                .isFalse();
        assertThat(afterBundle.getSvidRootSha256()).isEqualTo(oldRootSha256);

        topics.publish(config(4, List.of(oldRoot, newRoot), newRootSha256, underOldRoot));
        IntermediateRequest renewal = topics.awaitReport("a renewal request for the new root",
                report -> report.getIntermediateRequest().hasRenewalProof()).getIntermediateRequest();
        assertThat(renewal.getRenewalProof().getPublicKeySha256().toByteArray())
                .isEqualTo(firstIntermediate.publicKeySha256());
        CertificateRequest csr = CertificateRequest.fromDer(renewal.getCsrDer().toByteArray());
        X509Certificate newIntermediate = IntermediateCertificate.fromRequest(csr, DOMAIN, Instant.now(),
                INTERMEDIATE_TTL, 0, newRoot, newRootKeys.getPrivate());
        ClusterIntermediate underNewRoot = ClusterIntermediate.newBuilder()
                .setPublicKeySha256(ByteString.copyFrom(csr.publicKeySha256()))
                .setChainPem(Pem.write(List.of(newIntermediate, newRoot)))
                .build();
        topics.publish(config(5, List.of(oldRoot, newRoot), newRootSha256, underOldRoot, underNewRoot));

        ClusterStatus rotated = topics.awaitReport("the new root as the SVIDs' root",
                report -> report.getSvidRootSha256().equals(newRootSha256));
        for (WorkloadCertificateFiles workload : files) {
            assertThat(issuerOf(workload)).as("SVID of %s", workload.directory()).isEqualTo(newIntermediate);
            assertThat(Files.readString(workload.trustBundleFile())).isEqualTo(Pem.write(List.of(oldRoot, newRoot)));
        }
        assertThat(rotated.hasIntermediateRequest()).isFalse();
        assertThat(rotated.getIntermediateNotAfter().getSeconds())
                .isEqualTo(newIntermediate.getNotAfter().toInstant().getEpochSecond());
        assertThat(topics.reports().stream().map(ClusterStatus::getSvidRootSha256).distinct())
                .as("the SVIDs' root was never anything but the old root, none yet, or the new one")
                .containsOnly(ByteString.EMPTY, oldRootSha256, newRootSha256);
        assertThat(topics.reports().stream().filter(report -> report.getAppliedRevision() < 5)
                .map(ClusterStatus::getSvidRootSha256)).as("before the new intermediate arrived")
                .doesNotContain(newRootSha256);
    }

    private static X509Certificate issuerOf(WorkloadCertificateFiles files) throws Exception {
        return Pem.certificates(Files.readString(files.certificateFile())).get(1);
    }

    private static void awaitBundle(WorkloadCertificateFiles files, List<X509Certificate> roots) throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!Files.exists(files.trustBundleFile())
                || !Pem.certificates(Files.readString(files.trustBundleFile())).equals(roots)) {
            assertThat(System.nanoTime()).as("the bundle of %s", files.directory()).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private static DesiredConfig config(long revision, List<X509Certificate> roots, ByteString signingRootSha256,
                                        ClusterIntermediate... intermediates) {
        return DesiredConfig.newBuilder()
                .setTenant(TENANT)
                .setCluster(CLUSTER)
                .setRevision(revision)
                .addServices(Service.newBuilder().setName("greeter"))
                .setTrust(MeshTrust.newBuilder().setTrustDomain(DOMAIN.name())
                        .addAllRootCertificatesPem(roots.stream().map(root -> Pem.write(List.of(root))).toList())
                        .setSigningRootSha256(signingRootSha256))
                .addAllIntermediates(List.of(intermediates))
                .build();
    }
}

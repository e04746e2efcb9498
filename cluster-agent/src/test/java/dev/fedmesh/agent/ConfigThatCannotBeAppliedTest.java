package dev.fedmesh.agent;

import static dev.fedmesh.agent.Configs.SERVICE;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.fedmesh.agent.desired.LastKnownGood;
import dev.fedmesh.agent.trust.BootstrapCredential;
import dev.fedmesh.agent.trust.IntermediateKeyFiles;
import dev.fedmesh.agent.trust.TrustSettings;
import dev.fedmesh.api.v1.ApplyFailure;
import dev.fedmesh.api.v1.ClusterIntermediate;
import dev.fedmesh.api.v1.ClusterStatus;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.IntermediateRequest;
import dev.fedmesh.api.v1.MeshTrust;
import dev.fedmesh.testing.TestResources;
import dev.fedmesh.testing.xds.ProxylessClients;
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
import io.grpc.ManagedChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A verified config the agent cannot apply, because of a real fault in its state directory: the
 * agent keeps serving what it served, reports the failure in its status, goes on reading Kafka, and
 * applies the newest config once the fault is gone, as a real proxyless client sees.
 */
class ConfigThatCannotBeAppliedTest {

    private static final String TENANT = "acme";
    private static final String CLUSTER = "east";
    private static final TrustDomain DOMAIN = TrustDomain.of("acme.fedmesh.dev");
    private static final Duration INTERMEDIATE_TTL = Duration.ofHours(3);
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final ConfigSigningKey CONTROL_PLANE = ConfigSigningKey.generate();

    @TempDir
    Path dir;

    @AutoClose
    private final TestResources resources = new TestResources();

    @Test
    void aRenewedIntermediateThatCannotBeKeptIsReportedAndAppliedWithTheNewestConfigOnceTheStateDirectoryIsBack()
            throws Exception {
        PlayedControlPlane played = PlayedControlPlane.start(getClass(), TENANT, CONTROL_PLANE, dir.resolve("ca"),
                INTERMEDIATE_TTL, PATIENCE, resources);
        ControlPlaneTopics topics = played.topics();
        X509Certificate oldRoot = played.ca().roots(DOMAIN).get(0);
        KeyPair newRootKeys = KeyType.EC_P256.generate();
        X509Certificate newRoot = RootCertificate.selfSigned(newRootKeys, DOMAIN, Instant.now(), Duration.ofDays(365));
        ByteString newRootSha256 = ByteString.copyFrom(CertificateFingerprint.sha256(newRoot));
        Path stateDir = dir.resolve("agent-state");
        Path trustDir = stateDir.resolve(TENANT).resolve(CLUSTER);
        KeyPair key = new IntermediateKeyFiles(trustDir).newCurrent();
        IssuedIntermediate intermediate = played.issuer().issue(new IntermediateOwner(UUID.randomUUID(), CLUSTER, DOMAIN),
                CertificateRequest.create(key, "fedmesh intermediate " + CLUSTER, List.of(DOMAIN.id().toUri()), true));
        ClusterIntermediate underOldRoot = intermediate(intermediate.publicKeySha256(), intermediate.signed().chainPem());

        ClusterAgent agent = resources.add(topics.startAgent(CLUSTER, stateDir,
                TrustSettings.DEFAULT.withBootstrapCredential(new BootstrapCredential("fmb_east"))));
        Backend v1 = resources.add(Backend.start("v1"));
        Backend v2 = resources.add(Backend.start("v2"));
        agent.inventory().register(v1.endpoint(SERVICE, Map.of("version", "v1")));
        agent.inventory().register(v2.endpoint(SERVICE, Map.of("version", "v2")));
        // A root rotation: the agent holds an intermediate under the old root and asks at once for one under the new.
        topics.publish(config(1, 100, 0, List.of(oldRoot, newRoot), newRootSha256, underOldRoot));
        IntermediateRequest renewal = topics.awaitReport("a renewal request for the new root",
                report -> report.getIntermediateRequest().hasRenewalProof()).getIntermediateRequest();
        ManagedChannel channel = ProxylessClients.channel("localhost:" + agent.xdsPort(), "frontend-1", SERVICE);
        resources.add(() -> ProxylessClients.close(channel));
        Traffic traffic = new Traffic(channel);
        traffic.awaitOnly(Set.of("v1"), 20);

        // The fault: the agent's trust directory, where the renewed key must replace the current one, is a file now.
        Path movedAway = dir.resolve("trust-directory-moved-away");
        Files.move(trustDir, movedAway);
        Files.writeString(trustDir, "a file where the agent's trust directory was");
        CertificateRequest csr = CertificateRequest.fromDer(renewal.getCsrDer().toByteArray());
        X509Certificate renewed = IntermediateCertificate.fromRequest(csr, DOMAIN, Instant.now(), INTERMEDIATE_TTL, 0,
                newRoot, newRootKeys.getPrivate());
        ClusterIntermediate underNewRoot = intermediate(csr.publicKeySha256(), Pem.write(List.of(renewed, newRoot)));
        topics.publish(config(2, 0, 100, List.of(oldRoot, newRoot), newRootSha256, underOldRoot, underNewRoot));

        ClusterStatus failing = topics.awaitReport("revision 2 reported as not applied",
                report -> report.getApplyFailure().getRevision() == 2);
        assertThat(failing.getAppliedRevision()).isEqualTo(1);
        assertThat(failing.getApplyFailure().getError())
                .startsWith("revision 2 not applied: taking its trust domain, roots and intermediate CA failed: ")
                .contains(trustDir.toString(), "Proxies keep revision 1 until it applies",
                        "Fix: where a file is named, check that its directory")
                .doesNotContain("PRIVATE KEY");
        assertThat(failing.getApplyFailure().getError().getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(1024);
        assertThat(failing.getApplyFailure().getAttempts()).isEqualTo(1);

        // A newer config arrives while the fault lasts: it is read, tried at once, and fails the same way.
        topics.publish(config(3, 0, 100, List.of(oldRoot, newRoot), newRootSha256, underOldRoot, underNewRoot));
        ApplyFailure stillFailing = topics.awaitReport("revision 3 tried again and still not applied",
                report -> report.getApplyFailure().getRevision() == 3 && report.getApplyFailure().getAttempts() >= 2)
                .getApplyFailure();
        assertThat(Instant.ofEpochSecond(stillFailing.getFailedAt().getSeconds()))
                .isBeforeOrEqualTo(Instant.now());
        assertThat(agent.appliedRevision()).isEqualTo(1);
        assertThat(traffic.sample(50)).as("the client keeps revision 1's routes").containsOnlyKeys("v1");
        assertThat(new LastKnownGood(stateDir, TENANT, CLUSTER).load()).map(DesiredConfig::getRevision).contains(1L);

        Files.delete(trustDir);
        Files.move(movedAway, trustDir);

        ClusterStatus recovered = topics.awaitReport("revision 3 applied, and no failure left",
                report -> report.getAppliedRevision() == 3 && !report.hasApplyFailure());
        assertThat(recovered.getIntermediateNotAfter().getSeconds())
                .isEqualTo(renewed.getNotAfter().toInstant().getEpochSecond());
        assertThat(new IntermediateKeyFiles(trustDir).current().orElseThrow().getPublic().getEncoded())
                .as("the renewed key is the current one").isNotEqualTo(key.getPublic().getEncoded());
        traffic.awaitOnly(Set.of("v2"), 20);

        topics.publish(config(4, 100, 0, List.of(oldRoot, newRoot), newRootSha256, underNewRoot));
        topics.awaitReport("revision 4 applied", report -> report.getAppliedRevision() == 4 && !report.hasApplyFailure());
        traffic.awaitOnly(Set.of("v1"), 20);
        assertThat(new LastKnownGood(stateDir, TENANT, CLUSTER).load()).map(DesiredConfig::getRevision).contains(4L);
    }

    private static ClusterIntermediate intermediate(byte[] publicKeySha256, String chainPem) {
        return ClusterIntermediate.newBuilder()
                .setPublicKeySha256(ByteString.copyFrom(publicKeySha256))
                .setChainPem(chainPem)
                .build();
    }

    private static DesiredConfig config(long revision, int v1Weight, int v2Weight, List<X509Certificate> roots,
                                        ByteString signingRootSha256, ClusterIntermediate... intermediates) {
        return Configs.greeterSplit(TENANT, CLUSTER, revision, v1Weight, v2Weight).toBuilder()
                .setTrust(MeshTrust.newBuilder().setTrustDomain(DOMAIN.name())
                        .addAllRootCertificatesPem(roots.stream().map(root -> Pem.write(List.of(root))).toList())
                        .setSigningRootSha256(signingRootSha256))
                .addAllIntermediates(List.of(intermediates))
                .build();
    }
}

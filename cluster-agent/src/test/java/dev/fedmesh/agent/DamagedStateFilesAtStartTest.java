package dev.fedmesh.agent;

import static dev.fedmesh.agent.Configs.SERVICE;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.fedmesh.agent.desired.LastKnownGood;
import dev.fedmesh.agent.trust.BootstrapCredential;
import dev.fedmesh.agent.trust.IntermediateKeyFiles;
import dev.fedmesh.agent.trust.IntermediateRequestProof;
import dev.fedmesh.agent.trust.TrustSettings;
import dev.fedmesh.api.v1.ClusterIntermediate;
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
import dev.fedmesh.trust.x509.KeyType;
import dev.fedmesh.trust.x509.Pem;
import dev.fedmesh.trust.x509.RootCertificate;
import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * State files found damaged when the agent starts, as a crash or a bad disk leaves them: empty, cut
 * short, or garbage. The agent starts anyway, moves each aside, serves what Kafka delivers to a real
 * proxyless client, and asks the control plane for what it lost (a new intermediate for a new key).
 */
class DamagedStateFilesAtStartTest {

    private static final String CLUSTER = "east";
    private static final TrustDomain DOMAIN = TrustDomain.of("acme.fedmesh.dev");
    private static final Duration INTERMEDIATE_TTL = Duration.ofHours(3);
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final ConfigSigningKey CONTROL_PLANE = ConfigSigningKey.generate();

    /** What a damaged file holds instead of what the agent wrote. */
    enum Damage {
        EMPTY {
            @Override
            byte[] of(byte[] written) {
                return new byte[0];
            }
        },
        TRUNCATED {
            @Override
            byte[] of(byte[] written) {
                return Arrays.copyOf(written, written.length / 2);
            }
        },
        GARBAGE {
            @Override
            byte[] of(byte[] written) {
                byte[] garbage = new byte[written.length];
                new Random(written.length).nextBytes(garbage);
                return garbage;
            }
        };

        abstract byte[] of(byte[] written);

        void apply(Path file) throws Exception {
            Files.write(file, of(Files.readAllBytes(file)));
        }
    }

    @TempDir
    Path dir;

    @AutoClose
    private final TestResources resources = new TestResources();

    @ParameterizedTest
    @EnumSource(Damage.class)
    void aDamagedLastKnownGoodConfigAndIntermediateKeyAreSetAsideTheAgentServesFromKafkaAndAsksForANewKey(
            Damage damage) throws Exception {
        String tenant = "lkg-" + damage.name().toLowerCase(Locale.ROOT);
        PlayedControlPlane played = PlayedControlPlane.start(getClass(), tenant, CONTROL_PLANE, dir.resolve("ca"),
                INTERMEDIATE_TTL, PATIENCE, resources);
        Path stateDir = dir.resolve("agent-state");
        LastKnownGood lastKnownGood = new LastKnownGood(stateDir, tenant, CLUSTER);
        lastKnownGood.save(config(tenant, 1, played.ca().roots(DOMAIN), ByteString.EMPTY));
        IntermediateKeyFiles keyFiles = new IntermediateKeyFiles(stateDir.resolve(tenant).resolve(CLUSTER));
        keyFiles.newCurrent();
        damage.apply(lastKnownGood.file());
        damage.apply(keyFiles.currentFile());
        byte[] damagedKey = Files.readAllBytes(keyFiles.currentFile());
        played.topics().publish(config(tenant, 2, played.ca().roots(DOMAIN), ByteString.EMPTY));

        ClusterAgent agent = resources.add(played.topics().startAgent(CLUSTER, stateDir, credential()));

        assertServes(agent, 2);
        IntermediateRequest request = played.topics().awaitReport("a first intermediate request for a new key",
                report -> report.getIntermediateRequest().hasCredentialProof()).getIntermediateRequest();
        KeyPair newKey = keyFiles.current().orElseThrow();
        assertThat(CertificateRequest.fromDer(request.getCsrDer().toByteArray()).publicKeySha256())
                .isEqualTo(IntermediateRequestProof.publicKeySha256(newKey));
        assertThat(Files.readAllBytes(aside(keyFiles.currentFile()))).isEqualTo(damagedKey);
        assertThat(aside(lastKnownGood.file())).exists();
        awaitLastKnownGood(lastKnownGood, 2);
    }

    @ParameterizedTest
    @EnumSource(Damage.class)
    void aDamagedNextKeyIsSetAsideAndTheAgentAsksForTheRenewalAgainForANewKey(Damage damage) throws Exception {
        String tenant = "next-" + damage.name().toLowerCase(Locale.ROOT);
        PlayedControlPlane played = PlayedControlPlane.start(getClass(), tenant, CONTROL_PLANE, dir.resolve("ca"),
                INTERMEDIATE_TTL, PATIENCE, resources);
        X509Certificate oldRoot = played.ca().roots(DOMAIN).get(0);
        X509Certificate newRoot = RootCertificate.selfSigned(KeyType.EC_P256.generate(), DOMAIN, Instant.now(),
                Duration.ofDays(365));
        // The agent held an intermediate and was asking to renew it (a root rotation) when it stopped.
        Path stateDir = dir.resolve("agent-state");
        IntermediateKeyFiles keyFiles = new IntermediateKeyFiles(stateDir.resolve(tenant).resolve(CLUSTER));
        KeyPair current = keyFiles.newCurrent();
        keyFiles.newNext();
        damage.apply(keyFiles.nextFile());
        IssuedIntermediate intermediate = played.issuer().issue(
                new IntermediateOwner(UUID.randomUUID(), CLUSTER, DOMAIN),
                CertificateRequest.create(current, "fedmesh intermediate " + CLUSTER, List.of(DOMAIN.id().toUri()), true));
        played.topics().publish(config(tenant, 3, List.of(oldRoot, newRoot),
                        ByteString.copyFrom(CertificateFingerprint.sha256(newRoot))).toBuilder()
                .addIntermediates(ClusterIntermediate.newBuilder()
                        .setPublicKeySha256(ByteString.copyFrom(intermediate.publicKeySha256()))
                        .setChainPem(intermediate.signed().chainPem()))
                .build());

        ClusterAgent agent = resources.add(played.topics().startAgent(CLUSTER, stateDir, credential()));

        assertServes(agent, 3);
        IntermediateRequest renewal = played.topics().awaitReport("a renewal request for a new key",
                report -> report.getIntermediateRequest().hasRenewalProof()).getIntermediateRequest();
        assertThat(renewal.getRenewalProof().getPublicKeySha256().toByteArray())
                .isEqualTo(intermediate.publicKeySha256());
        KeyPair next = keyFiles.next().orElseThrow();
        assertThat(CertificateRequest.fromDer(renewal.getCsrDer().toByteArray()).publicKeySha256())
                .isEqualTo(IntermediateRequestProof.publicKeySha256(next));
        assertThat(aside(keyFiles.nextFile())).exists();
        assertThat(keyFiles.current().orElseThrow().getPublic()).isEqualTo(current.getPublic());
    }

    /** A real proxyless client of the agent is routed by the config of {@code revision}. */
    private void assertServes(ClusterAgent agent, long revision) throws Exception {
        Backend backend = resources.add(Backend.start("v1"));
        agent.inventory().register(backend.endpoint(SERVICE, Map.of("version", "v1")));
        ManagedChannel channel = ProxylessClients.channel("localhost:" + agent.xdsPort(), "node-" + revision, SERVICE);
        resources.add(() -> ProxylessClients.close(channel));
        assertThat(new Traffic(channel).call()).isEqualTo("v1");
        assertThat(agent.appliedRevision()).isEqualTo(revision);
    }

    private static void awaitLastKnownGood(LastKnownGood lastKnownGood, long revision) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (lastKnownGood.load().map(DesiredConfig::getRevision).orElse(-1L) != revision) {
            assertThat(System.nanoTime()).as("revision %d kept in %s", revision, lastKnownGood.file())
                    .isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private static Path aside(Path file) {
        return file.resolveSibling(file.getFileName() + ".damaged");
    }

    private static TrustSettings credential() {
        return TrustSettings.DEFAULT.withBootstrapCredential(new BootstrapCredential("fmb_east"));
    }

    private static DesiredConfig config(String tenant, long revision, List<X509Certificate> roots,
                                        ByteString signingRootSha256) {
        return Configs.greeterSplit(tenant, CLUSTER, revision, 100, 0).toBuilder()
                .setTrust(MeshTrust.newBuilder()
                        .setTrustDomain(DOMAIN.name())
                        .addRootCertificatesPem(Pem.write(roots))
                        .setSigningRootSha256(signingRootSha256))
                .build();
    }
}

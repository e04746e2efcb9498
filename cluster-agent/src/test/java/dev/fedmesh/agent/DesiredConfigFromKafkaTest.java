package dev.fedmesh.agent;

import static dev.fedmesh.agent.Configs.SERVICE;
import static dev.fedmesh.agent.Configs.greeterSplit;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.fedmesh.agent.desired.ConfigRefusal;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.DesiredConfigEnvelope;
import dev.fedmesh.policy.compiler.DesiredConfigEnvelopes;
import dev.fedmesh.testing.TestKafka;
import dev.fedmesh.testing.xds.ProxylessClients;
import dev.fedmesh.trust.signing.ConfigSigningKey;
import dev.fedmesh.trust.signing.ConfigVerifier;
import io.grpc.ManagedChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent following a real Kafka broker's desired topic, observed through a real proxyless client. */
class DesiredConfigFromKafkaTest {

    private static final String TENANT = "acme";
    private static final String CLUSTER = "eu-west-1";
    private static final int CALLS = 1000;
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final ConfigSigningKey CONTROL_PLANE = ConfigSigningKey.generate();

    @TempDir
    Path stateDir;

    @Test
    void agentWaitsForTheTopicThenAppliesOnlyVerifiedNewerConfigsForItsCluster() throws Exception {
        String bootstrap = TestKafka.broker().bootstrapServers();
        String prefix = TestKafka.topicPrefix(getClass());
        AgentSettings settings = AgentSettings.builder(TENANT, CLUSTER)
                .kafkaBootstrapServers(bootstrap)
                .configVerifier(ConfigVerifier.trusting(CONTROL_PLANE.publicKey()))
                .topicPrefix(prefix)
                .xdsPort(0)
                .stateDirectory(stateDir)
                .build();

        try (ClusterAgent agent = ClusterAgent.start(settings);
             Backend v1 = Backend.start("v1");
             Backend v2 = Backend.start("v2");
             ControlPlaneTopics topics = ControlPlaneTopics.open(prefix, TENANT, CONTROL_PLANE, PATIENCE)) {
            agent.inventory().register(v1.endpoint(SERVICE, Map.of("version", "v1")));
            agent.inventory().register(v2.endpoint(SERVICE, Map.of("version", "v2")));
            topics.createDesiredTopic(3);

            topics.publish(greeterSplit(TENANT, "us-east-1", 50, 100, 0));
            topics.publish(CLUSTER, digestMismatch(greeterSplit(TENANT, CLUSTER, 99, 100, 0)));
            topics.publish(greeterSplit(TENANT, CLUSTER, 1, 20, 80));
            awaitAppliedRevision(agent, 1);

            ManagedChannel channel = ProxylessClients.channel("localhost:" + agent.xdsPort(), "node-a", SERVICE);
            try {
                Traffic traffic = new Traffic(channel);
                traffic.call();
                Map<String, Integer> counts = traffic.sample(CALLS);
                assertThat(counts.keySet()).containsOnly("v1", "v2");
                Traffic.assertShare(counts.getOrDefault("v2", 0), CALLS, 0.8);
                assertThat(agent.appliedRevision()).isEqualTo(1);

                topics.publish(greeterSplit(TENANT, CLUSTER, 2, 100, 0));
                awaitAppliedRevision(agent, 2);
                traffic.awaitOnly(Set.of("v1"), 50);
                assertThat(traffic.sample(CALLS)).containsOnlyKeys("v1");

                // Same key, same partition: the older and the duplicate revision are read before
                // revision 3, which keeps v1 only; had either been applied, v2 would have answered.
                topics.publish(greeterSplit(TENANT, CLUSTER, 1, 0, 100));
                topics.publish(greeterSplit(TENANT, CLUSTER, 2, 0, 100));
                topics.publish(greeterSplit(TENANT, CLUSTER, 3, 100, 0));
                awaitAppliedRevision(agent, 3);
                assertThat(traffic.sample(CALLS)).containsOnlyKeys("v1");
            } finally {
                ProxylessClients.close(channel);
            }
        }
    }

    @Test
    void recordsThatDoNotVerifyAreRefusedAndTheAgentKeepsServingItsRevision() throws Exception {
        String tenant = "globex";
        String bootstrap = TestKafka.broker().bootstrapServers();
        String prefix = TestKafka.topicPrefix(getClass());
        AgentSettings settings = AgentSettings.builder(tenant, CLUSTER)
                .kafkaBootstrapServers(bootstrap)
                .configVerifier(ConfigVerifier.trusting(CONTROL_PLANE.publicKey()))
                .topicPrefix(prefix)
                .xdsPort(0)
                .stateDirectory(stateDir)
                .build();
        ConfigSigningKey stranger = ConfigSigningKey.generate();

        try (ClusterAgent agent = ClusterAgent.start(settings);
             Backend v1 = Backend.start("v1");
             Backend v2 = Backend.start("v2");
             ControlPlaneTopics topics = ControlPlaneTopics.open(prefix, tenant, CONTROL_PLANE, PATIENCE)) {
            agent.inventory().register(v1.endpoint(SERVICE, Map.of("version", "v1")));
            agent.inventory().register(v2.endpoint(SERVICE, Map.of("version", "v2")));
            topics.createDesiredTopic(1);
            topics.publish(greeterSplit(tenant, CLUSTER, 1, 0, 100));
            awaitAppliedRevision(agent, 1);
            assertThat(agent.lastRefusal()).isEmpty();

            ManagedChannel channel = ProxylessClients.channel("localhost:" + agent.xdsPort(), "node-b", SERVICE);
            try {
                Traffic traffic = new Traffic(channel);
                traffic.call();
                assertThat(traffic.sample(100)).containsOnlyKeys("v2");

                // Each would send every call to v1, and each is a newer revision than the one served.
                topics.publish(CLUSTER, flippedByte(greeterSplit(tenant, CLUSTER, 2, 100, 0)));
                assertRefused(agent, 1, ConfigRefusal.Reason.BAD_SIGNATURE, CONTROL_PLANE.keyId());
                topics.publish(CLUSTER, stranger.signed(DesiredConfigEnvelopes.seal(
                        greeterSplit(tenant, CLUSTER, 3, 100, 0))));
                assertRefused(agent, 2, ConfigRefusal.Reason.UNKNOWN_KEY, stranger.keyId());
                topics.publish(CLUSTER, DesiredConfigEnvelopes.seal(greeterSplit(tenant, CLUSTER, 4, 100, 0)));
                assertRefused(agent, 3, ConfigRefusal.Reason.UNSIGNED, "");

                assertThat(agent.appliedRevision()).isEqualTo(1);
                assertThat(traffic.sample(CALLS)).containsOnlyKeys("v2");

                topics.publish(greeterSplit(tenant, CLUSTER, 5, 100, 0));
                awaitAppliedRevision(agent, 5);
                traffic.awaitOnly(Set.of("v1"), 50);
                assertThat(agent.lastRefusal()).get().extracting(ConfigRefusal::reason)
                        .isEqualTo(ConfigRefusal.Reason.UNSIGNED);
            } finally {
                ProxylessClients.close(channel);
            }
        }
    }

    private static DesiredConfigEnvelope signed(DesiredConfig config) {
        return CONTROL_PLANE.signed(DesiredConfigEnvelopes.seal(config));
    }

    /** A signed envelope whose config was changed after sealing: its digest no longer matches. */
    private static DesiredConfigEnvelope digestMismatch(DesiredConfig config) {
        return signed(config).toBuilder()
                .setConfig(ByteString.copyFrom(config.toBuilder().setRevision(config.getRevision() + 1).build()
                        .toByteArray()))
                .build();
    }

    /** A signed envelope with one byte of its config flipped after signing, and a digest made to match. */
    private static DesiredConfigEnvelope flippedByte(DesiredConfig config) {
        byte[] bytes = DesiredConfigEnvelopes.deterministicBytes(config);
        bytes[bytes.length - 1] ^= 1;
        return signed(config).toBuilder()
                .setConfig(ByteString.copyFrom(bytes))
                .setSha256(ByteString.copyFrom(DesiredConfigEnvelopes.sha256(bytes)))
                .build();
    }

    private static void assertRefused(ClusterAgent agent, long refusals, ConfigRefusal.Reason reason, String keyId)
            throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (agent.refusedRecords() < refusals && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(agent.refusedRecords()).as("refused records").isEqualTo(refusals);
        ConfigRefusal refusal = agent.lastRefusal().orElseThrow();
        assertThat(refusal.reason()).isEqualTo(reason);
        assertThat(refusal.keyId()).isEqualTo(keyId);
        assertThat(refusal.tenant()).isEqualTo("globex");
        assertThat(refusal.cluster()).isEqualTo(CLUSTER);
        assertThat(refusal.offset()).isEqualTo(refusals);
        assertThat(agent.appliedRevision()).isEqualTo(1);
    }

    private static void awaitAppliedRevision(ClusterAgent agent, long revision) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (agent.appliedRevision() < revision && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(agent.appliedRevision()).as("applied revision").isEqualTo(revision);
    }
}

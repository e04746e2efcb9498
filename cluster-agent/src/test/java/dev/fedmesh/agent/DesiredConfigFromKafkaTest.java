package dev.fedmesh.agent;

import static dev.fedmesh.agent.Configs.SERVICE;
import static dev.fedmesh.agent.Configs.greeterSplit;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.fedmesh.api.KafkaTopics;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.DesiredConfigEnvelope;
import dev.fedmesh.policy.compiler.DesiredConfigEnvelopes;
import dev.fedmesh.testing.TestKafka;
import dev.fedmesh.testing.xds.ProxylessClients;
import io.grpc.ManagedChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent following a real Kafka broker's desired topic, observed through a real proxyless client. */
class DesiredConfigFromKafkaTest {

    private static final String TENANT = "acme";
    private static final String CLUSTER = "eu-west-1";
    private static final int CALLS = 1000;
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @TempDir
    Path stateDir;

    @Test
    void agentWaitsForTheTopicThenAppliesOnlyVerifiedNewerConfigsForItsCluster() throws Exception {
        String bootstrap = TestKafka.broker().bootstrapServers();
        String prefix = TestKafka.topicPrefix(getClass());
        String topic = KafkaTopics.desired(prefix, TENANT);
        AgentSettings settings = AgentSettings.of(TENANT, CLUSTER, bootstrap)
                .withTopicPrefix(prefix)
                .withXdsPort(0)
                .withStateDirectory(stateDir);

        try (ClusterAgent agent = ClusterAgent.start(settings);
             Backend v1 = Backend.start("v1");
             Backend v2 = Backend.start("v2");
             KafkaProducer<byte[], byte[]> producer = producer(bootstrap)) {
            agent.inventory().register(v1.endpoint(SERVICE, Map.of("version", "v1")));
            agent.inventory().register(v2.endpoint(SERVICE, Map.of("version", "v2")));
            createCompactedTopic(bootstrap, topic, 3);

            publish(producer, topic, "us-east-1", sealed(greeterSplit(TENANT, "us-east-1", 50, 100, 0)));
            publish(producer, topic, CLUSTER, tampered(greeterSplit(TENANT, CLUSTER, 99, 100, 0)));
            publish(producer, topic, CLUSTER, sealed(greeterSplit(TENANT, CLUSTER, 1, 20, 80)));
            awaitAppliedRevision(agent, 1);

            ManagedChannel channel = ProxylessClients.channel("localhost:" + agent.xdsPort(), "node-a", SERVICE);
            try {
                Traffic traffic = new Traffic(channel);
                traffic.call();
                Map<String, Integer> counts = traffic.sample(CALLS);
                assertThat(counts.keySet()).containsOnly("v1", "v2");
                Traffic.assertShare(counts.getOrDefault("v2", 0), CALLS, 0.8);
                assertThat(agent.appliedRevision()).isEqualTo(1);

                publish(producer, topic, CLUSTER, sealed(greeterSplit(TENANT, CLUSTER, 2, 100, 0)));
                awaitAppliedRevision(agent, 2);
                traffic.awaitOnly(Set.of("v1"), 50);
                assertThat(traffic.sample(CALLS)).containsOnlyKeys("v1");

                // Same key, same partition: the older and the duplicate revision are read before
                // revision 3, which keeps v1 only; had either been applied, v2 would have answered.
                publish(producer, topic, CLUSTER, sealed(greeterSplit(TENANT, CLUSTER, 1, 0, 100)));
                publish(producer, topic, CLUSTER, sealed(greeterSplit(TENANT, CLUSTER, 2, 0, 100)));
                publish(producer, topic, CLUSTER, sealed(greeterSplit(TENANT, CLUSTER, 3, 100, 0)));
                awaitAppliedRevision(agent, 3);
                assertThat(traffic.sample(CALLS)).containsOnlyKeys("v1");
            } finally {
                ProxylessClients.close(channel);
            }
        }
    }

    private static DesiredConfigEnvelope sealed(DesiredConfig config) {
        return DesiredConfigEnvelopes.seal(config);
    }

    /** An envelope whose config was changed after sealing: its digest no longer matches. */
    private static DesiredConfigEnvelope tampered(DesiredConfig config) {
        DesiredConfigEnvelope envelope = DesiredConfigEnvelopes.seal(config);
        return envelope.toBuilder()
                .setConfig(ByteString.copyFrom(config.toBuilder().setRevision(config.getRevision() + 1).build()
                        .toByteArray()))
                .build();
    }

    private static void publish(KafkaProducer<byte[], byte[]> producer, String topic, String cluster,
                                DesiredConfigEnvelope envelope) throws Exception {
        producer.send(new ProducerRecord<>(topic, cluster.getBytes(StandardCharsets.UTF_8), envelope.toByteArray()))
                .get();
    }

    private static void createCompactedTopic(String bootstrap, String topic, int partitions) throws Exception {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(props)) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1)
                            .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT))))
                    .all().get();
        }
    }

    private static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static void awaitAppliedRevision(ClusterAgent agent, long revision) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (agent.appliedRevision() < revision && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(agent.appliedRevision()).as("applied revision").isEqualTo(revision);
    }
}

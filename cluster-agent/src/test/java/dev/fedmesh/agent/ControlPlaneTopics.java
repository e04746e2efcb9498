package dev.fedmesh.agent;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.fedmesh.api.KafkaTopics;
import dev.fedmesh.api.v1.ClusterStatus;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.DesiredConfigEnvelope;
import dev.fedmesh.policy.compiler.DesiredConfigEnvelopes;
import dev.fedmesh.testing.TestKafka;
import dev.fedmesh.agent.trust.TrustSettings;
import dev.fedmesh.trust.signing.ConfigSigningKey;
import dev.fedmesh.trust.signing.ConfigVerifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The control plane's side of a tenant's topics on the test broker, for agent tests: creates the
 * topics, publishes desired configs signed and sealed as the distributor does, and reads the
 * agents' status reports from the beginning of the status topic.
 */
public final class ControlPlaneTopics implements AutoCloseable {

    private static final Map<String, String> COMPACTED =
            Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);

    private final String bootstrap;
    private final String prefix;
    private final String tenant;
    private final String desiredTopic;
    private final String statusTopic;
    private final ConfigSigningKey controlPlane;
    private final Duration patience;
    private final KafkaProducer<byte[], byte[]> producer;
    private final List<ClusterStatus> reports = new ArrayList<>();
    private KafkaConsumer<String, byte[]> statusConsumer;

    private ControlPlaneTopics(String prefix, String tenant, ConfigSigningKey controlPlane, Duration patience) {
        this.bootstrap = TestKafka.broker().bootstrapServers();
        this.prefix = prefix;
        this.tenant = tenant;
        this.desiredTopic = KafkaTopics.desired(prefix, tenant);
        this.statusTopic = KafkaTopics.status(prefix, tenant);
        this.controlPlane = controlPlane;
        this.patience = patience;
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        this.producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /**
     * Topics of {@code tenant} under {@code prefix} on the test broker, whose configs are signed by
     * {@code controlPlane} and whose reports are waited for at most {@code patience}. Creates no topic.
     */
    public static ControlPlaneTopics open(String prefix, String tenant, ConfigSigningKey controlPlane,
                                          Duration patience) {
        return new ControlPlaneTopics(prefix, tenant, controlPlane, patience);
    }

    /**
     * Starts the agent of {@code cluster} on these topics, trusting this control plane's signing key,
     * serving xDS on a free port, with its state under {@code stateDirectory} and {@code trust}.
     */
    public ClusterAgent startAgent(String cluster, Path stateDirectory, TrustSettings trust) {
        return ClusterAgent.start(AgentSettings.builder(tenant, cluster)
                .kafkaBootstrapServers(bootstrap)
                .configVerifier(ConfigVerifier.trusting(controlPlane.publicKey()))
                .topicPrefix(prefix)
                .xdsPort(0)
                .stateDirectory(stateDirectory)
                .trust(trust)
                .build());
    }

    /** The desired topic, compacted with one partition as the distributor makes it, and the status topic. */
    public void createTopics() throws Exception {
        create(new NewTopic(desiredTopic, 1, (short) 1).configs(COMPACTED), new NewTopic(statusTopic, 1, (short) 1));
    }

    /** The desired topic with one partition and the broker's default cleanup policy, and the status topic. */
    public void createTopicsWithAnUncompactedDesiredTopic() throws Exception {
        create(new NewTopic(desiredTopic, 1, (short) 1), new NewTopic(statusTopic, 1, (short) 1));
    }

    /** The desired topic alone, compacted, with {@code partitions} partitions. */
    public void createDesiredTopic(int partitions) throws Exception {
        create(new NewTopic(desiredTopic, partitions, (short) 1).configs(COMPACTED));
    }

    /** Publishes {@code config}, sealed and signed by the control plane's key, for its cluster. */
    public void publish(DesiredConfig config) throws Exception {
        publish(config.getCluster(), controlPlane.signed(DesiredConfigEnvelopes.seal(config)));
    }

    /** Publishes {@code envelope} as it is, keyed by {@code cluster}. */
    public void publish(String cluster, DesiredConfigEnvelope envelope) throws Exception {
        // Where the distributor writes a cluster's records, and the only partition its agent reads.
        int partition = KafkaTopics.desiredPartition(cluster, producer.partitionsFor(desiredTopic).size());
        producer.send(new ProducerRecord<>(desiredTopic, partition, cluster.getBytes(StandardCharsets.UTF_8),
                envelope.toByteArray())).get();
    }

    /**
     * The first report, from the beginning of the status topic on, after those already read, that
     * {@code expected} accepts; fails naming {@code what} and the latest report once the patience runs out.
     */
    public ClusterStatus awaitReport(String what, Predicate<ClusterStatus> expected)
            throws InvalidProtocolBufferException {
        KafkaConsumer<String, byte[]> consumer = statusConsumer();
        long deadline = System.nanoTime() + patience.toNanos();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                // The agent's inventory shares the topic under a kind header; a status report has none.
                if (record.headers().lastHeader(KafkaTopics.RECORD_KIND_HEADER) != null) {
                    continue;
                }
                ClusterStatus report = ClusterStatus.parseFrom(record.value());
                reports.add(report);
                if (expected.test(report)) {
                    return report;
                }
            }
        }
        throw new AssertionError("waited " + patience.toSeconds() + " s for a status report: " + what
                + "; the latest was " + (reports.isEmpty() ? "none" : reports.get(reports.size() - 1)));
    }

    /** Every report read so far, oldest first. */
    public List<ClusterStatus> reports() {
        return Collections.unmodifiableList(reports);
    }

    @Override
    public void close() {
        producer.close();
        if (statusConsumer != null) {
            statusConsumer.close(Duration.ofSeconds(2));
        }
    }

    private KafkaConsumer<String, byte[]> statusConsumer() {
        if (statusConsumer == null) {
            Properties props = new Properties();
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            statusConsumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
            TopicPartition partition = new TopicPartition(statusTopic, 0);
            statusConsumer.assign(List.of(partition));
            statusConsumer.seekToBeginning(List.of(partition));
        }
        return statusConsumer;
    }

    private void create(NewTopic... topics) throws Exception {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(props)) {
            admin.createTopics(List.of(topics)).all().get();
        }
    }
}

package dev.fedmesh.agent.desired;

import dev.fedmesh.agent.kafka.TopicReader;
import dev.fedmesh.api.KafkaClientSecurity;
import dev.fedmesh.api.KafkaTopics;
import dev.fedmesh.api.v1.DesiredConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one cluster's desired configs from the tenant's compacted topic: only the partition the
 * distributor writes this cluster's records to ({@link KafkaTopics#desiredPartition}), from the
 * beginning, without a consumer group. Keeps only records keyed by this cluster, verifies their
 * envelope (signature and digest) and hands the config on, remembering the last record it refused;
 * waits (retrying) until the distributor has created the topic, and moves to its new partition,
 * read from the beginning, when partitions are added (the tenant's next change is written there).
 */
public final class DesiredConfigConsumer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DesiredConfigConsumer.class);
    private static final Duration METADATA_TIMEOUT = TopicReader.METADATA_TIMEOUT;

    private final String tenant;
    private final String cluster;
    private final String topic;
    private final byte[] key;
    private final EnvelopeVerifier verifier;
    private final BiConsumer<DesiredConfig, String> sink;
    private final Runnable refused;
    private final AtomicReference<ConfigRefusal> lastRefusal = new AtomicReference<>();
    private final AtomicLong refusals = new AtomicLong();
    private final TopicReader<byte[]> reader;

    public DesiredConfigConsumer(String bootstrapServers, String topic, String tenant, String cluster,
                                 EnvelopeVerifier verifier, BiConsumer<DesiredConfig, String> sink) {
        this(bootstrapServers, KafkaClientSecurity.plaintext(), topic, tenant, cluster, verifier, sink, () -> { });
    }

    /**
     * A consumer whose Kafka client authenticates with {@code security}; {@code refused} is told
     * at once when a record is refused (the agent reports it without waiting for a heartbeat).
     */
    public DesiredConfigConsumer(String bootstrapServers, KafkaClientSecurity security, String topic, String tenant,
                                 String cluster, EnvelopeVerifier verifier, BiConsumer<DesiredConfig, String> sink,
                                 Runnable refused) {
        this.tenant = tenant;
        this.cluster = cluster;
        this.topic = topic;
        this.key = cluster.getBytes(StandardCharsets.UTF_8);
        this.verifier = verifier;
        this.sink = sink;
        this.refused = refused;
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties(bootstrapServers, security, tenant,
                cluster), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.reader = new TopicReader<>(consumer, topic, "fedmesh-desired-" + tenant + "-" + cluster,
                "tenant=" + tenant + " cluster=" + cluster, () -> "still serving the current config",
                infos -> Set.of(new TopicPartition(topic, KafkaTopics.desiredPartition(cluster, infos.size()))),
                records -> records.forEach(this::handleAlone));
    }

    static Properties properties(String bootstrapServers, KafkaClientSecurity security, String tenant, String cluster) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "fedmesh-agent-" + tenant + "-" + cluster);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // The distributor creates the topic compacted; an auto-created one would not be.
        props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(METADATA_TIMEOUT.toMillis()));
        security.applyTo(props);
        return props;
    }

    /** Starts reading on its own daemon thread; {@code sink} gets each verified config and where it came from. */
    public void start() {
        reader.start();
    }

    /** Handles one record; whatever goes wrong with it, the records after it are still read. */
    private void handleAlone(ConsumerRecord<byte[], byte[]> record) {
        try {
            handle(record);
        } catch (RuntimeException e) {
            LOG.error("tenant={} cluster={} handling the record at {}-{}@{} failed unexpectedly; reading on, the next"
                    + " record of this cluster replaces it", tenant, cluster, record.topic(), record.partition(),
                    record.offset(), e);
        }
    }

    private void handle(ConsumerRecord<byte[], byte[]> record) {
        if (record.key() == null || !Arrays.equals(record.key(), key)) {
            return;
        }
        String where = record.topic() + "-" + record.partition() + "@" + record.offset();
        if (record.value() == null) {
            LOG.info("tenant={} cluster={} tombstone at {}: keeping the current config", tenant, cluster, where);
            return;
        }
        DesiredConfig config;
        try {
            config = verifier.open(record.value());
        } catch (InvalidEnvelopeException e) {
            String keyId = e.keyId().isEmpty() ? "none" : e.keyId();
            LOG.warn("tenant={} cluster={} refused record at offset {} ({}), key id {}: {} ({}); the current config"
                    + " stays in place until a valid newer record arrives", tenant, cluster, record.offset(), where,
                    keyId, e.reason(), e.getMessage());
            lastRefusal.set(new ConfigRefusal(tenant, cluster, where, record.offset(), e.keyId(), e.reason(),
                    e.getMessage(), Instant.now()));
            refusals.incrementAndGet();
            refused.run();
            return;
        }
        sink.accept(config, "Kafka " + where);
    }

    /** The last record of this cluster that was refused, if any since the start; it stays until another is refused. */
    public Optional<ConfigRefusal> lastRefusal() {
        return Optional.ofNullable(lastRefusal.get());
    }

    /** How many records of this cluster were refused since the start. */
    public long refusedRecords() {
        return refusals.get();
    }

    @Override
    public void close() {
        reader.close();
    }
}

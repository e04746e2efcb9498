package dev.fedmesh.distributor.inventory;

import dev.fedmesh.api.KafkaClientSecurity;
import dev.fedmesh.api.KafkaTopics;
import dev.fedmesh.trust.signing.ConfigSigningKey;
import dev.fedmesh.trust.signing.InventorySignatures;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import java.util.function.Consumer;

/**
 * Writes to a tenant's inventory topic ({@link KafkaTopics#inventory}), keyed by cluster: an
 * inventory in an envelope signed with the control plane's config signing key
 * ({@link InventorySignatures}), or a tombstone for a cluster that no longer exists. Sends do not
 * wait: each tells its outcome to a callback, so the status consumer calling it never waits for Kafka.
 */
public final class InventoryTopicWriter implements AutoCloseable {

    private final String topicPrefix;
    private final ConfigSigningKey signingKey;
    private final KafkaProducer<String, byte[]> producer;

    /** A writer whose producer uses {@code security} and sends records of at most {@code maxRecordBytes}. */
    public InventoryTopicWriter(String bootstrapServers, KafkaClientSecurity security, String topicPrefix,
                                ConfigSigningKey signingKey, int maxRecordBytes) {
        this.topicPrefix = topicPrefix;
        this.signingKey = signingKey;
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "fedmesh-distributor-inventory");
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        // A failed send is marked and sent again from the database, newest first; one request in flight
        // per connection keeps a cluster's records in the order they were sent meanwhile.
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, maxRecordBytes);
        // While Kafka is away a send fails within seconds and is retried by the next pass; the status
        // consumer is never held up for longer.
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 2_000);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 20_000);
        security.applyTo(props);
        this.producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    /**
     * Signs {@code inventory} (a serialized ClusterInventory of {@code cluster}, reported when the broker
     * appended {@code reportedAt}) and sends it; {@code outcome} gets null once the broker has it, or the error.
     */
    public void publish(String tenant, String cluster, byte[] inventory, Instant reportedAt, Consumer<Exception> outcome) {
        byte[] envelope = InventorySignatures.seal(inventory, reportedAt, signingKey).toByteArray();
        send(new ProducerRecord<>(KafkaTopics.inventory(topicPrefix, tenant), cluster, envelope), outcome);
    }

    /** Sends a tombstone for {@code cluster}: agents forget it, and compaction removes its inventories. */
    public void tombstone(String tenant, String cluster, Consumer<Exception> outcome) {
        send(new ProducerRecord<>(KafkaTopics.inventory(topicPrefix, tenant), cluster, null), outcome);
    }

    private void send(ProducerRecord<String, byte[]> record, Consumer<Exception> outcome) {
        try {
            producer.send(record, (metadata, error) -> outcome.accept(error));
        } catch (KafkaException e) {
            outcome.accept(e);
        }
    }

    /** Waits for what was sent to be acknowledged or to fail. */
    public void flush() {
        producer.flush();
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}

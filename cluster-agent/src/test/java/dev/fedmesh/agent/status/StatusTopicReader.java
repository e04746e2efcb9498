package dev.fedmesh.agent.status;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.fedmesh.api.v1.ClusterStatus;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads a tenant's status topic as the distributor would, waiting for the report a test expects. */
final class StatusTopicReader implements AutoCloseable {

    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private final KafkaConsumer<String, byte[]> consumer;
    private ClusterStatus latest;

    StatusTopicReader(String bootstrap, String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
        TopicPartition partition = new TopicPartition(topic, 0);
        consumer.assign(List.of(partition));
        consumer.seekToBeginning(List.of(partition));
    }

    /** The first report, from the beginning of the topic on, that {@code expected} accepts. */
    ClusterStatus await(String what, Predicate<ClusterStatus> expected) throws InvalidProtocolBufferException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                latest = ClusterStatus.parseFrom(record.value());
                if (expected.test(latest)) {
                    return latest;
                }
            }
        }
        throw new AssertionError("waited " + PATIENCE.toSeconds() + " s for a status report where " + what
                + "; the latest was " + latest);
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(2));
    }
}

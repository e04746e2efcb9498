package dev.fedmesh.distributor.outbox;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.fedmesh.api.KafkaTopics;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.DesiredConfigEnvelope;
import dev.fedmesh.policy.compiler.DesiredConfigEnvelopes;
import dev.fedmesh.testing.TestKafka;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Reads a tenant's whole desired topic, every record in the order the broker holds them. */
final class DesiredTopic {
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private DesiredTopic() {
    }

    /** One record: the cluster it is keyed by, what it says, and which signing key signed it. */
    record Published(String cluster, long revision, int v2Weight, ByteString config, String keyId) {
    }

    /** Every record of the tenant's desired topic, read to its end, each cluster's in offset order. */
    static List<Published> read(String topicPrefix, String tenant) {
        String topic = KafkaTopics.desired(topicPrefix, tenant);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.broker().bootstrapServers(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new ByteArrayDeserializer())) {
            List<PartitionInfo> partitions = consumer.partitionsFor(topic, PATIENCE);
            assertThat(partitions).as("partitions of " + topic).isNotEmpty();
            List<TopicPartition> assigned = partitions.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(assigned);
            consumer.seekToBeginning(assigned);
            Map<TopicPartition, Long> ends = consumer.endOffsets(assigned, PATIENCE);
            List<Published> records = new ArrayList<>();
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (assigned.stream().anyMatch(p -> consumer.position(p, PATIENCE) < ends.get(p))) {
                assertThat(System.nanoTime()).as("reading " + topic + " to its end").isLessThan(deadline);
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    records.add(open(record.key(), record.value()));
                }
            }
            return records;
        }
    }

    /** The records grouped by cluster, each cluster's in offset order. */
    static Map<String, List<Published>> byCluster(List<Published> records) {
        Map<String, List<Published>> byCluster = new LinkedHashMap<>();
        for (Published record : records) {
            byCluster.computeIfAbsent(record.cluster(), cluster -> new ArrayList<>()).add(record);
        }
        return byCluster;
    }

    /** Each cluster's revisions, in the order its records were sent. */
    static Map<String, List<Long>> revisionsByCluster(List<Published> records) {
        Map<String, List<Long>> revisions = new LinkedHashMap<>();
        byCluster(records).forEach((cluster, published) -> revisions.put(cluster,
                published.stream().map(Published::revision).toList()));
        return revisions;
    }

    private static Published open(String cluster, byte[] value) {
        try {
            DesiredConfigEnvelope envelope = DesiredConfigEnvelope.parseFrom(value);
            assertThat(Arrays.equals(envelope.getSha256().toByteArray(),
                    DesiredConfigEnvelopes.sha256(envelope.getConfig().toByteArray())))
                    .as("the record's digest matches its config").isTrue();
            DesiredConfig config = DesiredConfig.parseFrom(envelope.getConfig());
            int v2Weight = config.getPolicies(0).getTrafficRoute().getSplit(1).getWeight();
            return new Published(cluster, config.getRevision(), v2Weight, envelope.getConfig(), envelope.getKeyId());
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError("a record of " + cluster + " is not a desired config envelope", e);
        }
    }
}

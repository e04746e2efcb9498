package dev.fedmesh.standalone.faults;

import dev.fedmesh.standalone.Await;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.fedmesh.api.KafkaTopics;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.DesiredConfigEnvelope;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A tenant's desired topic seen from outside fedmesh, as anyone with access to the broker sees it:
 * reads its records (each a signed envelope keyed by cluster) and writes raw bytes to it.
 */
final class DesiredTopic implements AutoCloseable {
    /** One record as it lies in the topic: the cluster it is keyed by, its revision and its exact bytes. */
    record SignedRecord(String cluster, long revision, byte[] bytes) {
    }

    private final String topic;
    private final KafkaConsumer<String, byte[]> consumer;
    private final KafkaProducer<String, byte[]> producer;
    private final List<TopicPartition> partitions;

    DesiredTopic(String bootstrapServers, String topic) {
        this.topic = topic;
        Properties consumerConfig = new Properties();
        consumerConfig.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        this.consumer = new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new ByteArrayDeserializer());
        this.partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(info -> new TopicPartition(topic, info.partition()))
                .toList();
        consumer.assign(partitions);
        Properties producerConfig = new Properties();
        producerConfig.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
        this.producer = new KafkaProducer<>(producerConfig, new StringSerializer(), new ByteArraySerializer());
    }

    /** Every record in the topic now, oldest first. */
    List<SignedRecord> readAll() {
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        List<SignedRecord> records = new ArrayList<>();
        while (partitions.stream().anyMatch(partition -> consumer.position(partition) < end.get(partition))) {
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                records.add(new SignedRecord(record.key(), revisionOf(record.value()), record.value()));
            }
        }
        return records;
    }

    /** The newest record of {@code cluster} at {@code revision}. */
    SignedRecord recordOf(String cluster, long revision) {
        return readAll().stream()
                .filter(record -> record.cluster().equals(cluster) && record.revision() == revision)
                .reduce((older, newer) -> newer)
                .orElseThrow(() -> new AssertionError("no record of " + cluster + " at revision " + revision + " in " + topic));
    }

    /** From now on, {@link #awaitRecordOf} sees only records written after this call. */
    void skipToEnd() {
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);
    }

    /** Waits until a record of {@code revision} is read; returns how many of that revision came in that read. */
    int awaitRecordOf(long revision) {
        long deadline = System.nanoTime() + Await.PATIENCE.toNanos();
        while (System.nanoTime() < deadline) {
            int seen = 0;
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(1))) {
                if (revisionOf(record.value()) == revision) {
                    seen++;
                }
            }
            if (seen > 0) {
                return seen;
            }
        }
        throw new AssertionError("no record of revision " + revision + " reached " + topic + " within "
                + Await.PATIENCE.toSeconds() + " s");
    }

    /**
     * Writes {@code bytes} as a record of {@code cluster} to the partition the distributor writes
     * that cluster's records to, and waits for the broker's ack.
     */
    void write(String cluster, byte[] bytes) {
        int partition = KafkaTopics.desiredPartition(cluster, partitions.size());
        try {
            producer.send(new ProducerRecord<>(topic, partition, cluster, bytes)).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError("writing a record of " + cluster + " to " + topic + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted writing to " + topic, e);
        }
    }

    /** The revision of the config inside a signed envelope, read without verifying it. */
    static long revisionOf(byte[] envelope) {
        try {
            return DesiredConfig.parseFrom(DesiredConfigEnvelope.parseFrom(envelope).getConfig()).getRevision();
        } catch (InvalidProtocolBufferException e) {
            return -1;
        }
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
        producer.close(Duration.ofSeconds(5));
    }
}

package dev.fedmesh.bench.federation;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.fedmesh.api.KafkaTopics;
import dev.fedmesh.api.v1.ClusterInventory;
import dev.fedmesh.api.v1.InventoryEnvelope;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * Reads one cluster's inventory records off the tenant's topics as they arrive: those its agent
 * sends on the status topic, and those the distributor republishes on the inventory topic. Each
 * arrival is noted with its time (System.nanoTime()) and the inventory's generation, so a change's
 * way through the control plane can be timed, and its records counted.
 */
final class InventoryTopicsWatch implements AutoCloseable {

    /** One record seen: when, the inventory's generation, and its size on the wire. */
    record Arrival(long nanos, long generation, int bytes) {
    }

    private final String cluster;
    private final String statusTopic;
    private final String inventoryTopic;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread thread;
    private final List<Arrival> sent = new ArrayList<>();
    private final List<Arrival> republished = new ArrayList<>();
    private volatile boolean closed;

    InventoryTopicsWatch(String bootstrapServers, String topicPrefix, String tenant, String cluster) {
        this.cluster = cluster;
        this.statusTopic = KafkaTopics.status(topicPrefix, tenant);
        this.inventoryTopic = KafkaTopics.inventory(topicPrefix, tenant);
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 5);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "bench-inventory-watch");
        this.consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = Stream.of(statusTopic, inventoryTopic)
                .flatMap(topic -> consumer.partitionsFor(topic).stream()
                        .map(info -> new TopicPartition(topic, info.partition())))
                .toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);
        this.thread = new Thread(this::run, "bench-inventory-watch");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void run() {
        while (!closed) {
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(20))) {
                long now = System.nanoTime();
                if (!cluster.equals(record.key()) || record.value() == null) {
                    continue;
                }
                try {
                    if (record.topic().equals(statusTopic) && isInventory(record)) {
                        ClusterInventory inventory = ClusterInventory.parseFrom(record.value());
                        add(sent, new Arrival(now, inventory.getGeneration(), record.value().length));
                    } else if (record.topic().equals(inventoryTopic)) {
                        InventoryEnvelope envelope = InventoryEnvelope.parseFrom(record.value());
                        ClusterInventory inventory = ClusterInventory.parseFrom(envelope.getInventory());
                        add(republished, new Arrival(now, inventory.getGeneration(), record.value().length));
                    }
                } catch (InvalidProtocolBufferException e) {
                    throw new IllegalStateException("an unreadable inventory record on " + record.topic(), e);
                }
            }
        }
        consumer.close();
    }

    private static boolean isInventory(ConsumerRecord<String, byte[]> record) {
        Header kind = record.headers().lastHeader(KafkaTopics.RECORD_KIND_HEADER);
        return kind != null && KafkaTopics.INVENTORY_RECORD_KIND.equals(new String(kind.value(), StandardCharsets.UTF_8));
    }

    private synchronized void add(List<Arrival> arrivals, Arrival arrival) {
        arrivals.add(arrival);
    }

    /** The first record the agent sent carrying generation {@code generation} or a later one, if seen yet. */
    synchronized Arrival sentAtLeast(long generation) {
        return first(sent, generation);
    }

    /** The first record the distributor republished carrying generation {@code generation} or a later one. */
    synchronized Arrival republishedAtLeast(long generation) {
        return first(republished, generation);
    }

    /** Records the agent sent, and the distributor republished, that arrived between the two times. */
    synchronized long[] countBetween(long fromNanos, long toNanos) {
        return new long[] {count(sent, fromNanos, toNanos), count(republished, fromNanos, toNanos)};
    }

    private static Arrival first(List<Arrival> arrivals, long generation) {
        for (Arrival arrival : arrivals) {
            if (arrival.generation() >= generation) {
                return arrival;
            }
        }
        return null;
    }

    private static long count(List<Arrival> arrivals, long fromNanos, long toNanos) {
        return arrivals.stream().filter(a -> a.nanos() - fromNanos >= 0 && toNanos - a.nanos() >= 0).count();
    }

    @Override
    public void close() {
        closed = true;
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

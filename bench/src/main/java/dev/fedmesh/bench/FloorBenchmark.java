package dev.fedmesh.bench;

import dev.fedmesh.api.KafkaTopics;
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
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The floor under propagation: one small PostgreSQL transaction committed over JDBC, then one
 * record produced (with the distributor's producer settings) and consumed (with the agent's
 * consumer settings), timed back to back as one sample. Beside it, the same fanned out as a change
 * to a tenant of {@code fanOut} clusters is: the commit, then one record per cluster, sent together
 * to each cluster's partition of an 8-partition topic, each consumed by its own consumer on its own
 * thread (as each agent reads its own partition), until the last one has its record.
 *
 * <p>Each is sampled twice: samples one right after the other, and samples each after the pause the
 * propagation benchmark leaves before every change. The second is the floor under a change: after
 * an idle pause every thread on the way (the producer's, the broker's, the consumer's) is parked
 * and its core may be idle, and waking them costs about a millisecond more on our machines than
 * the same calls made back to back.
 */
final class FloorBenchmark {

    /** The record's size in bytes, the fan-out's width, and the floor sampled back to back and after each {@code pause}. */
    record Result(int recordBytes, int fanOutClusters, Duration pause, Sampled backToBack, Sampled paced) {
    }

    /**
     * The commit alone, the produce-to-consume alone, both one after the other (the floor), and the
     * commit with the fan-out to the consumers.
     */
    record Sampled(Percentiles postgresCommit, Percentiles kafkaProduceToConsume, Percentiles floor,
                   Percentiles fanOutFloor) {
    }

    private static final String TOPIC = "fedmesh-bench.floor";
    private static final String FAN_OUT_TOPIC = "fedmesh-bench.floor-fan-out";
    private static final int FAN_OUT_PARTITIONS = 8;
    private static final int WARM_UP = 20;

    private final String jdbcUrl;
    private final String username;
    private final String password;
    private final String kafkaBootstrapServers;

    FloorBenchmark(String jdbcUrl, String username, String password, String kafkaBootstrapServers) {
        this.jdbcUrl = jdbcUrl;
        this.username = username;
        this.password = password;
        this.kafkaBootstrapServers = kafkaBootstrapServers;
    }

    /** Samples the floor {@code samples} times back to back, then as often each after {@code pause}. */
    Result run(byte[] record, int samples, int fanOut, Duration pause) throws Exception {
        createTopic(TOPIC, 1);
        createTopic(FAN_OUT_TOPIC, FAN_OUT_PARTITIONS);
        Sampled backToBack = sample(record, samples, fanOut, Duration.ZERO);
        Sampled paced = sample(record, samples, fanOut, pause);
        return new Result(record.length, fanOut, pause, backToBack, paced);
    }

    private Sampled sample(byte[] record, int samples, int fanOut, Duration pause) throws Exception {
        List<Double> commits = new ArrayList<>();
        List<Double> kafka = new ArrayList<>();
        List<Double> floors = new ArrayList<>();
        try (Connection connection = DriverManager.getConnection(jdbcUrl, username, password);
             KafkaProducer<String, byte[]> producer = producer();
             KafkaConsumer<String, byte[]> consumer = consumer("fedmesh-bench-floor")) {
            try (Statement ddl = connection.createStatement()) {
                ddl.execute("CREATE TABLE IF NOT EXISTS bench_floor (id bigserial PRIMARY KEY, tenant text NOT NULL,"
                        + " revision bigint NOT NULL, changed_at timestamptz NOT NULL DEFAULT now())");
            }
            connection.setAutoCommit(false);
            TopicPartition partition = new TopicPartition(TOPIC, 0);
            consumer.assign(List.of(partition));
            consumer.seekToEnd(List.of(partition));
            consumer.position(partition);
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO bench_floor (tenant, revision) VALUES (?, ?)")) {
                for (int i = 0; i < WARM_UP + samples; i++) {
                    Thread.sleep(pause.toMillis());
                    long start = System.nanoTime();
                    commit(connection, insert, "bench", i);
                    long committed = System.nanoTime();
                    producer.send(new ProducerRecord<>(TOPIC, "c000", record));
                    awaitOneRecord(consumer);
                    long consumed = System.nanoTime();
                    if (i >= WARM_UP) {
                        commits.add(Percentiles.millisSince(start, committed));
                        kafka.add(Percentiles.millisSince(committed, consumed));
                        floors.add(Percentiles.millisSince(start, consumed));
                    }
                }
            }
        }
        return new Sampled(Percentiles.of(commits), Percentiles.of(kafka), Percentiles.of(floors),
                fanOut(record, samples, fanOut, pause));
    }

    /** The commit, then one record to each of {@code clusters} consumers, until the last has its own. */
    private Percentiles fanOut(byte[] record, int samples, int clusters, Duration pause) throws Exception {
        List<Double> fanOuts = new ArrayList<>();
        List<FanOutReader> readers = new ArrayList<>();
        try (Connection connection = DriverManager.getConnection(jdbcUrl, username, password);
             KafkaProducer<String, byte[]> producer = producer()) {
            for (int c = 0; c < clusters; c++) {
                readers.add(new FanOutReader(SyntheticTenant.cluster(c)));
            }
            connection.setAutoCommit(false);
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO bench_floor (tenant, revision) VALUES (?, ?)")) {
                for (int i = 0; i < WARM_UP + samples; i++) {
                    CountDownLatch arrived = new CountDownLatch(clusters);
                    readers.forEach(reader -> reader.expect(arrived));
                    Thread.sleep(pause.toMillis());
                    long start = System.nanoTime();
                    commit(connection, insert, "bench-fan-out", i);
                    for (FanOutReader reader : readers) {
                        producer.send(new ProducerRecord<>(FAN_OUT_TOPIC, reader.partition, reader.cluster, record));
                    }
                    producer.flush();
                    if (!arrived.await(30, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("records produced to " + FAN_OUT_TOPIC
                                + " were not all consumed within 30 s");
                    }
                    long consumed = readers.stream().mapToLong(reader -> reader.arrivedAt).max().orElseThrow();
                    if (i >= WARM_UP) {
                        fanOuts.add(Percentiles.millisSince(start, consumed));
                    }
                }
            }
        } finally {
            readers.forEach(FanOutReader::close);
        }
        return Percentiles.of(fanOuts);
    }

    /** One cluster's consumer of the fan-out topic, on its own thread, reading its cluster's partition. */
    private final class FanOutReader implements AutoCloseable {
        private final String cluster;
        private final int partition;
        private final KafkaConsumer<String, byte[]> consumer;
        private final Thread thread;
        private volatile CountDownLatch expected;
        private volatile long arrivedAt;
        private volatile boolean closed;

        FanOutReader(String cluster) {
            this.cluster = cluster;
            this.partition = KafkaTopics.desiredPartition(cluster, FAN_OUT_PARTITIONS);
            this.consumer = consumer("fedmesh-bench-floor-" + cluster);
            TopicPartition assigned = new TopicPartition(FAN_OUT_TOPIC, partition);
            consumer.assign(List.of(assigned));
            consumer.seekToEnd(List.of(assigned));
            consumer.position(assigned);
            thread = new Thread(this::read, "bench-floor-" + cluster);
            thread.setDaemon(true);
            thread.start();
        }

        void expect(CountDownLatch latch) {
            expected = latch;
        }

        private void read() {
            try {
                while (!closed) {
                    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                        if (cluster.equals(record.key())) {
                            arrivedAt = System.nanoTime();
                            expected.countDown();
                        }
                    }
                }
            } catch (WakeupException e) {
                // closing
            } finally {
                consumer.close(Duration.ofSeconds(2));
            }
        }

        @Override
        public void close() {
            closed = true;
            consumer.wakeup();
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The floor's database half: one row inserted and committed, as a change's transaction ends. */
    private static void commit(Connection connection, PreparedStatement insert, String tenant, long revision)
            throws SQLException {
        insert.setString(1, tenant);
        insert.setLong(2, revision);
        insert.executeUpdate();
        connection.commit();
    }

    private static void awaitOneRecord(KafkaConsumer<String, byte[]> consumer) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, byte[]> ignored : consumer.poll(Duration.ofMillis(500))) {
                return;
            }
        }
        throw new IllegalStateException("a record produced to " + TOPIC + " was not consumed within 30 s");
    }

    private void createTopic(String name, int partitions)
            throws InterruptedException, ExecutionException, TimeoutException {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBootstrapServers))) {
            // Configured as the distributor creates a tenant's desired topic.
            NewTopic topic = new NewTopic(name, partitions, (short) 1)
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
            admin.createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
        }
    }

    /** The distributor's producer settings (DesiredConfigPublisher). */
    private KafkaProducer<String, byte[]> producer() {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBootstrapServers);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "fedmesh-bench-floor");
        return new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
    }

    /** The agent's consumer settings (DesiredConfigConsumer): no group, read_committed, assigned partitions. */
    private KafkaConsumer<String, byte[]> consumer(String clientId) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBootstrapServers);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
    }
}

package dev.fedmesh.distributor.publish;

import dev.fedmesh.api.KafkaClientSecurity;
import dev.fedmesh.api.KafkaTopics;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.DesiredConfigEnvelope;
import dev.fedmesh.api.v1.MeshTrust;
import dev.fedmesh.distributor.access.AgentAccess;
import dev.fedmesh.policy.compiler.DesiredRecordSize;
import dev.fedmesh.testing.TestKafka;
import dev.fedmesh.trust.signing.ConfigSigningKey;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * How large a desired config may be, tried on a real broker: which of Kafka's limits binds and by
 * what measure, what the distributor refuses before sending, and that a record larger than a
 * broker's defaults goes through with the limits raised and is read by a consumer with an agent's
 * (default) fetch sizes.
 */
class RecordSizeLimitsTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private final String prefix = TestKafka.topicPrefix(getClass()) + UUID.randomUUID().toString().substring(0, 8) + ".";

    @Test
    void theProducerRefusesARecordByItsUncompressedSizeExactlyAsDesiredRecordSizeMeasuresIt() throws Exception {
        int limit = 64 * 1024;
        String topic = prefix + "measure";
        createTopic(topic, Map.of());
        byte[] key = "east".getBytes(StandardCharsets.UTF_8);
        // Zeros compress to almost nothing: a refusal can only be by the uncompressed size.
        int largest = limit - DesiredRecordSize.ofRecord(key.length, 0);
        while (DesiredRecordSize.ofRecord(key.length, largest) > limit) {
            largest--;
        }
        int fits = largest;
        assertThat(DesiredRecordSize.ofRecord(key.length, fits)).isEqualTo(limit);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.broker().bootstrapServers(),
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, limit,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"), new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, "east", new byte[fits])).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>(topic, "east", new byte[fits + 1]))
                    .get(PATIENCE.toSeconds(), TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(RecordTooLargeException.class);
        }
    }

    @Test
    void whatTheApiMeasuresOfACompiledConfigIsNeverLessThanTheSignedRecordTheDistributorSends() {
        ConfigSigningKey key = ConfigSigningKey.generate();
        for (int clusters : List.of(1, 2, 3, 7, 8, 9, 100)) {
            Map<String, DesiredConfig> configs = new LinkedHashMap<>();
            for (int i = 0; i < clusters; i++) {
                String cluster = "cluster-" + i;
                configs.put(cluster, DesiredConfig.newBuilder().setTenant("acme").setCluster(cluster).setRevision(7)
                        .setTrust(MeshTrust.newBuilder().setTrustDomain("acme.fedmesh.local")
                                .addRootCertificatesPem("x".repeat(1000 * i)))
                        .build());
            }
            int levels = clusters == 1 ? 0 : 32 - Integer.numberOfLeadingZeros(clusters - 1);
            DesiredConfigPublisher.sealAndSign(configs, key).forEach((cluster, envelope) -> {
                int sent = DesiredRecordSize.ofRecord(cluster.length(), envelope.toByteArray().length);
                int measured = DesiredRecordSize.of(cluster, configs.get(cluster), clusters);
                assertThat(measured).as("%s of %d clusters", cluster, clusters).isGreaterThanOrEqualTo(sent)
                        // At most a whole path step (38 bytes) a level, for a leaf that moved up without a
                        // partner, and a longer length varint.
                        .isLessThanOrEqualTo(sent + 38 * levels + 2);
            });
        }
    }

    @Test
    void aConfigTooLargeToSendFailsThePublishNamingItsClusterBeforeAnythingIsSent() {
        Map<String, DesiredConfig> configs = new LinkedHashMap<>();
        configs.put("east", config("east", 1_000));
        configs.put("west", config("west", 100_000));
        try (DesiredConfigPublisher publisher = publisher(64 * 1024)) {
            assertThatThrownBy(() -> publisher.publish(UUID.randomUUID(), "acme", configs))
                    .isInstanceOf(ConfigTooLargeException.class)
                    .hasMessageContaining("cluster 'west' of tenant 'acme'")
                    .hasMessageContaining("over the limit of 65536 bytes")
                    .satisfies(e -> assertThat(((ConfigTooLargeException) e).recordBytes()).isGreaterThan(100_000));
            assertThat(publisher.topics().tenantsOnBroker()).as("tenants with topics").doesNotContain("acme");
        }
    }

    @Test
    void aConfigLargerThanTheBrokersDefaultsGoesThroughWithTheLimitRaisedAndAnAgentsConsumerReadsIt() throws Exception {
        // Random base64 compresses to three quarters at best: the batch stays above the broker's default
        // message.max.bytes (1 MiB), so only the topic's own max.message.bytes lets it in.
        DesiredConfig large = config("east", 2_500_000);
        try (DesiredConfigPublisher publisher = publisher(4 * 1024 * 1024)) {
            publisher.publish(UUID.randomUUID(), "big", Map.of("east", large));
        }
        String topic = KafkaTopics.desired(prefix, "big");
        assertThat(topicConfig(topic, TopicConfig.MAX_MESSAGE_BYTES_CONFIG))
                .isEqualTo(String.valueOf(TenantTopics.maxMessageBytes(4 * 1024 * 1024)));

        // The agent's consumer leaves max.partition.fetch.bytes (1 MiB) and fetch.max.bytes at Kafka's defaults.
        try (KafkaConsumer<String, byte[]> agent = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.broker().bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = agent.partitionsFor(topic, PATIENCE).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            agent.assign(partitions);
            agent.seekToBeginning(partitions);
            List<byte[]> values = new ArrayList<>();
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (values.isEmpty()) {
                assertThat(System.nanoTime()).as("the large record read").isLessThan(deadline);
                for (ConsumerRecord<String, byte[]> record : agent.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
            }
            assertThat(values.get(0).length).isGreaterThan(2_500_000);
            assertThat(DesiredConfig.parseFrom(DesiredConfigEnvelope.parseFrom(values.get(0)).getConfig())).isEqualTo(large);
        }
    }

    @Test
    void anExistingDesiredTopicIsGivenTheMaxMessageBytesTheDistributorSendsUpTo() throws Exception {
        String topic = KafkaTopics.desired(prefix, "older");
        createTopic(topic, Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "100000", TopicConfig.RETENTION_MS_CONFIG, "86400000"));

        try (DesiredConfigPublisher publisher = publisher(512 * 1024)) {
            publisher.publish(UUID.randomUUID(), "older", Map.of("east", config("east", 300_000)));
        }

        assertThat(topicConfig(topic, TopicConfig.MAX_MESSAGE_BYTES_CONFIG))
                .isEqualTo(String.valueOf(TenantTopics.maxMessageBytes(512 * 1024)));
        assertThat(topicConfig(topic, TopicConfig.RETENTION_MS_CONFIG)).as("a setting the distributor does not own")
                .isEqualTo("86400000");
    }

    private DesiredConfigPublisher publisher(int maxRecordBytes) {
        return new DesiredConfigPublisher(TestKafka.broker().bootstrapServers(), KafkaClientSecurity.plaintext(), prefix, 1,
                (short) 1, ConfigSigningKey.generate(), AgentAccess.NONE, maxRecordBytes);
    }

    /** A config of {@code cluster} carrying about {@code bytes} of random base64 as a root certificate. */
    private static DesiredConfig config(String cluster, int bytes) {
        byte[] random = new byte[bytes * 3 / 4];
        new Random(bytes).nextBytes(random);
        return DesiredConfig.newBuilder().setTenant("acme").setCluster(cluster).setRevision(1)
                .setTrust(MeshTrust.newBuilder().setTrustDomain("acme.fedmesh.local")
                        .addRootCertificatesPem(Base64.getEncoder().encodeToString(random)))
                .build();
    }

    private static void createTopic(String topic, Map<String, String> configs) throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(configs))).all()
                    .get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        }
    }

    private static String topicConfig(String topic, String name) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try (Admin admin = admin()) {
            return admin.describeConfigs(List.of(resource)).all().get(PATIENCE.toSeconds(), TimeUnit.SECONDS)
                    .get(resource).get(name).value();
        }
    }

    private static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.broker().bootstrapServers()));
    }
}

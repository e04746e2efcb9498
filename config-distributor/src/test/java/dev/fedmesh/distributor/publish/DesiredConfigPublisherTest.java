package dev.fedmesh.distributor.publish;

import dev.fedmesh.api.KafkaTopics;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.DesiredConfigEnvelope;
import dev.fedmesh.api.v1.SignedOver;
import dev.fedmesh.testing.TestKafka;
import dev.fedmesh.trust.signing.ConfigSigningKey;
import dev.fedmesh.trust.signing.ConfigVerifier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** What the distributor puts on a real broker's desired topic. */
class DesiredConfigPublisherTest {

    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @Test
    void everyPublishedConfigIsSignedByTheDistributorsKeyAndNamesIt() throws Exception {
        String prefix = TestKafka.topicPrefix(getClass());
        ConfigSigningKey key = ConfigSigningKey.generate();
        Map<String, DesiredConfig> configs = Map.of(
                "east", DesiredConfig.newBuilder().setTenant("acme").setCluster("east").setRevision(4).build(),
                "west", DesiredConfig.newBuilder().setTenant("acme").setCluster("west").setRevision(4).build());

        try (DesiredConfigPublisher publisher = new DesiredConfigPublisher(TestKafka.broker().bootstrapServers(), prefix,
                1, (short) 1, key)) {
            publisher.publish(UUID.randomUUID(), "acme", configs);
        }

        Map<String, DesiredConfigEnvelope> published = read(KafkaTopics.desired(prefix, "acme"), configs.size());
        ConfigVerifier agent = ConfigVerifier.trusting(key.publicKey());
        for (Map.Entry<String, DesiredConfigEnvelope> entry : published.entrySet()) {
            DesiredConfigEnvelope envelope = entry.getValue();
            assertThat(envelope.getKeyId()).isEqualTo(key.keyId());
            assertThat(agent.check(envelope)).isEqualTo(ConfigVerifier.Check.VALID);
            assertThat(envelope.getSignedOver()).isEqualTo(SignedOver.SIGNED_OVER_BATCH_ROOT);
            assertThat(DesiredConfig.parseFrom(envelope.getConfig())).isEqualTo(configs.get(entry.getKey()));
        }
        // One signature for the change, whatever the number of clusters.
        assertThat(published.values()).extracting(DesiredConfigEnvelope::getSignature)
                .containsOnly(published.get("east").getSignature());
    }

    @Test
    void aTenantWithoutClustersPublishesNothingAndGetsItsTopics() throws Exception {
        String prefix = TestKafka.topicPrefix(getClass()) + "-empty";
        try (DesiredConfigPublisher publisher = new DesiredConfigPublisher(TestKafka.broker().bootstrapServers(), prefix,
                1, (short) 1, ConfigSigningKey.generate())) {
            assertThat(publisher.publish(UUID.randomUUID(), "acme", Map.of())).isEmpty();
            assertThat(publisher.topics().tenantsOnBroker()).containsExactly("acme");
        }
    }

    private static Map<String, DesiredConfigEnvelope> read(String topic, int records) throws Exception {
        Map<String, DesiredConfigEnvelope> latest = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.broker().bootstrapServers()),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (latest.size() < records && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    latest.put(record.key(), DesiredConfigEnvelope.parseFrom(record.value()));
                }
            }
        }
        assertThat(latest).as("records on " + topic).hasSize(records);
        return latest;
    }
}

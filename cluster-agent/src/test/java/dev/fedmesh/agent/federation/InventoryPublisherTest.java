package dev.fedmesh.agent.federation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fedmesh.agent.status.StatusReporter;
import dev.fedmesh.api.KafkaClientSecurity;
import dev.fedmesh.api.KafkaTopics;
import dev.fedmesh.api.v1.ClusterInventory;
import dev.fedmesh.api.v1.InventoryEndpoint;
import dev.fedmesh.api.v1.InventoryService;
import dev.fedmesh.testing.TestKafka;
import dev.fedmesh.trust.credential.ClusterCredentialKeys;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * An agent's inventory on a real broker: written to the status topic, keyed by its cluster, as a
 * record of kind inventory whose HMAC covers the kind and the value; one too large is not sent at
 * all, and the other clusters keep the one sent before.
 */
class InventoryPublisherTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final String TENANT = "acme";

    @Test
    void anInventoryIsSentAuthenticatedAndOneTooLargeIsCountedNotSent() throws Exception {
        String prefix = TestKafka.topicPrefix(getClass());
        String topic = KafkaTopics.status(prefix, TENANT);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                TestKafka.broker().bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        ClusterCredentialKeys keys = ClusterCredentialKeys.ofCredential("fmb_east-credential");
        AtomicReference<ClusterInventory> current = new AtomicReference<>(inventory(3));
        try (StatusReporter status = new StatusReporter(TestKafka.broker().bootstrapServers(),
                KafkaClientSecurity.plaintext(), prefix, TENANT, "east", Duration.ofMinutes(10), () -> null,
                Optional.of(keys));
             InventoryPublisher publisher = new InventoryPublisher(TENANT, "east", current::get,
                     bytes -> status.send(KafkaTopics.INVENTORY_RECORD_KIND, bytes),
                     new InventoryPublishing(Duration.ofMillis(100), Duration.ofMinutes(10), 2_000))) {
            publisher.start();
            await(() -> publisher.sent() == 1, "the first inventory sent");

            current.set(inventory(200));
            publisher.changed();
            await(() -> publisher.refused() == 1, "the large inventory refused");
            current.set(inventory(4));
            publisher.changed();
            await(() -> publisher.sent() == 2, "the next one within the limit sent");
        }

        List<ConsumerRecord<String, byte[]>> inventories = inventoryRecords(topic);
        assertThat(inventories).hasSize(2);
        assertThat(inventories).extracting(record -> ClusterInventory.parseFrom(record.value()).getServices(0)
                .getEndpointsCount()).containsExactly(3, 4);
        for (ConsumerRecord<String, byte[]> record : inventories) {
            assertThat(record.key()).isEqualTo("east");
            byte[] mac = record.headers().lastHeader(KafkaTopics.REPORT_MAC_HEADER).value();
            assertThat(keys.reportMacMatches(TENANT, "east",
                    KafkaTopics.authenticatedBytes(KafkaTopics.INVENTORY_RECORD_KIND, record.value()), mac)).isTrue();
            assertThat(keys.reportMacMatches(TENANT, "east", record.value(), mac))
                    .as("not the HMAC a status report of the same bytes would carry").isFalse();
        }
    }

    private static List<ConsumerRecord<String, byte[]>> inventoryRecords(String topic) {
        List<ConsumerRecord<String, byte[]>> found = new ArrayList<>();
        TopicPartition partition = new TopicPartition(topic, 0);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                TestKafka.broker().bootstrapServers(), ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            while (consumer.position(partition) < end) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    Header kind = record.headers().lastHeader(KafkaTopics.RECORD_KIND_HEADER);
                    if (kind != null && KafkaTopics.INVENTORY_RECORD_KIND.equals(
                            new String(kind.value(), StandardCharsets.UTF_8))) {
                        found.add(record);
                    }
                }
            }
        }
        return found;
    }

    private static ClusterInventory inventory(int endpoints) {
        InventoryService.Builder greeter = InventoryService.newBuilder().setName("greeter");
        for (int i = 0; i < endpoints; i++) {
            greeter.addEndpoints(InventoryEndpoint.newBuilder().setHost("10.0.0." + i).setPort(50051));
        }
        return ClusterInventory.newBuilder().setTenant(TENANT).setCluster("east").addServices(greeter).build();
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what + " within " + PATIENCE.toSeconds() + " s").isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}

package dev.fedmesh.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class TestKafkaTest {

    private final String bootstrap = TestKafka.broker().bootstrapServers();
    private final String prefix = TestKafka.topicPrefix(TestKafkaTest.class);

    @Test
    void recordProducedToACreatedTopicIsConsumedByAConsumerGroup() throws Exception {
        String topic = prefix + ".round-trip";
        createTopic(topic);

        try (KafkaProducer<String, String> producer = producer(Map.of())) {
            producer.send(new ProducerRecord<>(topic, "cluster-a", "revision-1")).get(10, TimeUnit.SECONDS);
        }

        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, prefix + "-group",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            List<ConsumerRecord<String, String>> received = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (received.isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(received::add);
            }
            assertThat(received).singleElement().satisfies(record -> {
                assertThat(record.key()).isEqualTo("cluster-a");
                assertThat(record.value()).isEqualTo("revision-1");
            });
        }
    }

    @Test
    void producingToATopicNobodyCreatedFailsInsteadOfCreatingIt() throws Exception {
        String topic = prefix + ".never-created";

        try (KafkaProducer<String, String> producer = producer(Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1000))) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>(topic, "k", "v")).get(10, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(TimeoutException.class);
        }
        try (Admin admin = admin()) {
            assertThat(admin.listTopics().names().get(10, TimeUnit.SECONDS)).doesNotContain(topic);
        }
    }

    @Test
    void topicPrefixIsStableWithinAClassAndDiffersBetweenClasses() {
        assertThat(TestKafka.topicPrefix(TestKafkaTest.class)).isEqualTo(prefix);
        assertThat(TestKafka.topicPrefix(TestPostgresTest.class)).isNotEqualTo(prefix);
        assertThat(prefix).matches("t-test-kafka-test-[0-9a-f]{8}");
    }

    @Test
    void topicPrefixOfAnyClassIsAValidTopicName() {
        class A_Strange$Name {}
        assertThat(List.of(TestKafka.topicPrefix(A_Strange$Name.class), TestKafka.topicPrefix(new Object() {}.getClass())))
                .allSatisfy(name -> assertThat(name).matches("t-[a-z0-9-]+-[0-9a-f]{8}").doesNotContain("--"));
    }

    private void createTopic(String topic) throws ExecutionException, InterruptedException, java.util.concurrent.TimeoutException {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(10, TimeUnit.SECONDS);
        }
    }

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    }

    private KafkaProducer<String, String> producer(Map<String, Object> extra) {
        Map<String, Object> config = new java.util.HashMap<>(extra);
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
    }
}

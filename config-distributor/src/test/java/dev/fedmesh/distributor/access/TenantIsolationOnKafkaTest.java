package dev.fedmesh.distributor.access;

import dev.fedmesh.api.KafkaClientSecurity;
import dev.fedmesh.api.KafkaTopics;
import dev.fedmesh.db.Migrations;
import dev.fedmesh.distributor.ConfigDistributor;
import dev.fedmesh.distributor.DistributorSettings;
import dev.fedmesh.testing.EmbeddedKafka;
import dev.fedmesh.testing.TestDatabase;
import dev.fedmesh.testing.TestPostgres;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static dev.fedmesh.db.jooq.Tables.CLUSTERS;
import static dev.fedmesh.db.jooq.Tables.OUTBOX;
import static dev.fedmesh.db.jooq.Tables.TENANTS;
import static dev.fedmesh.distributor.access.SecuredBroker.PATIENCE;
import static dev.fedmesh.distributor.access.SecuredBroker.PREFIX;
import static dev.fedmesh.distributor.access.SecuredBroker.SUPER;
import static dev.fedmesh.distributor.access.SecuredBroker.agent;
import static dev.fedmesh.distributor.access.SecuredBroker.agentHolding;
import static dev.fedmesh.distributor.access.SecuredBroker.awaitPublished;
import static dev.fedmesh.distributor.access.SecuredBroker.commitTenant;
import static dev.fedmesh.distributor.access.SecuredBroker.username;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Two tenants published by a real distributor to a broker that authenticates with SCRAM and
 * authorizes with ACLs: each agent's credential opens its own tenant's topics and nothing else.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TenantIsolationOnKafkaTest {
    private EmbeddedKafka kafka;
    private TestDatabase database;
    private DSLContext db;
    private ConfigDistributor distributor;
    private UUID tenantA;

    @BeforeAll
    void publishTwoTenants() {
        kafka = SecuredBroker.start();
        database = TestPostgres.newDatabase(getClass());
        Migrations.apply(database.dataSource());
        db = DSL.using(database.dataSource(), SQLDialect.POSTGRES);
        tenantA = commitTenant(db, "tenant-a", List.of("east", "west"), true);
        UUID tenantB = commitTenant(db, "tenant-b", List.of("east"), true);
        distributor = ConfigDistributor.start(DistributorSettings.local(database.jdbcUrl(), database.username(),
                        database.password(), kafka.bootstrapServers(), PREFIX)
                .withKafkaSecurity(SUPER));
        awaitPublished(db, tenantA);
        awaitPublished(db, tenantB);
    }

    @AfterAll
    void stop() {
        if (distributor != null) {
            distributor.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void anAgentOfTenantAReadsItsDesiredTopicButIsRefusedTenantBs() {
        KafkaClientSecurity eastOfA = agent("tenant-a", "east");

        List<ConsumerRecord<String, byte[]>> records = readAll(eastOfA, KafkaTopics.desired(PREFIX, "tenant-a"), 2);
        assertThat(records).extracting(ConsumerRecord::key).containsOnly("east", "west");

        assertThatThrownBy(() -> readAll(eastOfA, KafkaTopics.desired(PREFIX, "tenant-b"), 1))
                .isInstanceOf(TopicAuthorizationException.class)
                .hasMessageContaining(KafkaTopics.desired(PREFIX, "tenant-b"));
    }

    @Test
    void anAgentOfTenantAWritesItsStatusTopicButIsRefusedTenantBsAndItsOwnDesiredTopic() throws Exception {
        try (KafkaProducer<String, byte[]> producer = producer(agent("tenant-a", "east"))) {
            assertThat(send(producer, KafkaTopics.status(PREFIX, "tenant-a")).hasOffset()).as("written").isTrue();

            assertThatThrownBy(() -> send(producer, KafkaTopics.status(PREFIX, "tenant-b")))
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
            assertThatThrownBy(() -> send(producer, KafkaTopics.desired(PREFIX, "tenant-a")))
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
        }
    }

    @Test
    void aWrongPasswordIsRefusedAuthentication() {
        KafkaClientSecurity impostor = SUPER.as(username("tenant-a", "east"), "guessed-password");

        assertThatThrownBy(() -> readAll(impostor, KafkaTopics.desired(PREFIX, "tenant-a"), 1))
                .isInstanceOf(SaslAuthenticationException.class);
    }

    @Test
    void aCredentialThatIsNotTheClustersIsRefusedAuthentication() {
        KafkaClientSecurity other = agentHolding("tenant-a", "east", "fmb_a-credential-nobody-issued");

        assertThatThrownBy(() -> readAll(other, KafkaTopics.desired(PREFIX, "tenant-a"), 1))
                .isInstanceOf(SaslAuthenticationException.class);
    }

    @Test
    void aDeletedClustersCredentialStopsWorking() {
        String topicOfA = KafkaTopics.desired(PREFIX, "tenant-a");
        KafkaClientSecurity westOfA = agent("tenant-a", "west");
        assertThat(readAll(westOfA, topicOfA, 1)).isNotEmpty();

        db.transaction(configuration -> {
            DSLContext tx = configuration.dsl();
            tx.deleteFrom(CLUSTERS).where(CLUSTERS.TENANT_ID.eq(tenantA).and(CLUSTERS.NAME.eq("west"))).execute();
            tx.update(TENANTS).set(TENANTS.REVISION, 3L).where(TENANTS.ID.eq(tenantA)).execute();
            tx.insertInto(OUTBOX).set(OUTBOX.TENANT_ID, tenantA).set(OUTBOX.REVISION, 3L).execute();
        });
        awaitPublished(db, tenantA);

        // The broker applies the credential's removal moments after the distributor's call returns.
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        Throwable refusal = null;
        while (refusal == null && System.nanoTime() < deadline) {
            refusal = catchThrowable(() -> readAll(westOfA, topicOfA, 1));
        }
        assertThat(refusal).isInstanceOf(SaslAuthenticationException.class);
        assertThat(readAll(agent("tenant-a", "east"), topicOfA, 2)).isNotEmpty();
    }

    /** Reads {@code topic} from the beginning without a group, as an agent does, until it has {@code atLeast} records. */
    private List<ConsumerRecord<String, byte[]>> readAll(KafkaClientSecurity security, String topic, int atLeast) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "20000");
        security.applyTo(config);
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(info -> new TopicPartition(topic, info.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (records.size() < atLeast && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        assertThat(records).as("records read from " + topic).hasSizeGreaterThanOrEqualTo(atLeast);
        return records;
    }

    private KafkaProducer<String, byte[]> producer(KafkaClientSecurity security) {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        security.applyTo(config);
        return new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
    }

    private static RecordMetadata send(KafkaProducer<String, byte[]> producer, String topic)
            throws ExecutionException, InterruptedException, TimeoutException {
        return producer.send(new ProducerRecord<>(topic, "east", new byte[] {1})).get(40, TimeUnit.SECONDS);
    }
}

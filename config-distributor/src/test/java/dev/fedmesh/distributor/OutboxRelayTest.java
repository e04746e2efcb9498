package dev.fedmesh.distributor;

import dev.fedmesh.api.KafkaTopics;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.DesiredConfigEnvelope;
import dev.fedmesh.db.Migrations;
import dev.fedmesh.policy.compiler.DesiredConfigEnvelopes;
import dev.fedmesh.testing.TestDatabase;
import dev.fedmesh.testing.TestKafka;
import dev.fedmesh.testing.TestPostgres;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.fedmesh.db.jooq.Tables.CLUSTERS;
import static dev.fedmesh.db.jooq.Tables.OUTBOX;
import static dev.fedmesh.db.jooq.Tables.POLICIES;
import static dev.fedmesh.db.jooq.Tables.TENANTS;
import static org.assertj.core.api.Assertions.assertThat;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OutboxRelayTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private TestDatabase database;
    private DSLContext db;
    private String topicPrefix;

    @BeforeAll
    void migrate() {
        database = TestPostgres.newDatabase(getClass());
        Migrations.apply(database.dataSource());
        db = DSL.using(database.dataSource(), SQLDialect.POSTGRES);
        topicPrefix = TestKafka.topicPrefix(getClass());
    }

    @Test
    void aChangeCommittedBeforeTheDistributorStartsReachesEveryClusterOfItsTenant() {
        UUID tenant = commitTenant("before-start", 50);

        try (ConfigDistributor ignored = ConfigDistributor.start(settings())) {
            Map<String, DesiredConfig> published = awaitRevision("before-start", 2, 2);

            assertThat(published).containsOnlyKeys("east", "west");
            assertThat(published.get("east").getPoliciesList()).singleElement()
                    .satisfies(policy -> assertThat(policy.getTrafficRoute().getSplit(1).getWeight()).isEqualTo(50));
            awaitOutboxPublished(tenant);
        }
    }

    @Test
    void aChangeCommittedWhileTheDistributorRunsIsPublishedWithItsNewRevision() {
        UUID tenant = commitTenant("while-running", 0);
        try (ConfigDistributor ignored = ConfigDistributor.start(settings())) {
            awaitRevision("while-running", 2, 2);

            db.transaction(configuration -> {
                DSLContext tx = configuration.dsl();
                tx.update(POLICIES).set(POLICIES.SPEC, split(80)).set(POLICIES.RESOURCE_VERSION, 3L)
                        .where(POLICIES.TENANT_ID.eq(tenant)).execute();
                tx.update(TENANTS).set(TENANTS.REVISION, 3L).where(TENANTS.ID.eq(tenant)).execute();
                tx.insertInto(OUTBOX).set(OUTBOX.TENANT_ID, tenant).set(OUTBOX.REVISION, 3L).execute();
            });

            Map<String, DesiredConfig> published = awaitRevision("while-running", 3, 2);
            assertThat(published.get("west").getPolicies(0).getTrafficRoute().getSplit(1).getWeight()).isEqualTo(80);
            awaitOutboxPublished(tenant);
        }
    }

    private UUID commitTenant(String name, int v2Weight) {
        UUID tenant = UUID.randomUUID();
        db.transaction(configuration -> {
            DSLContext tx = configuration.dsl();
            tx.insertInto(TENANTS).set(TENANTS.ID, tenant).set(TENANTS.NAME, name).set(TENANTS.REVISION, 2L).execute();
            for (String cluster : List.of("east", "west")) {
                tx.insertInto(CLUSTERS).set(CLUSTERS.TENANT_ID, tenant).set(CLUSTERS.NAME, cluster)
                        .set(CLUSTERS.RESOURCE_VERSION, 1L).execute();
            }
            tx.insertInto(POLICIES)
                    .set(POLICIES.TENANT_ID, tenant)
                    .set(POLICIES.NAME, "greeter-split")
                    .set(POLICIES.KIND, "TrafficRoute")
                    .set(POLICIES.TARGET, JSONB.jsonb("{\"service\": \"greeter\"}"))
                    .set(POLICIES.SPEC, split(v2Weight))
                    .set(POLICIES.RESOURCE_VERSION, 2L)
                    .execute();
            tx.insertInto(OUTBOX).set(OUTBOX.TENANT_ID, tenant).set(OUTBOX.REVISION, 1L).execute();
            tx.insertInto(OUTBOX).set(OUTBOX.TENANT_ID, tenant).set(OUTBOX.REVISION, 2L).execute();
        });
        return tenant;
    }

    private static JSONB split(int v2Weight) {
        return JSONB.jsonb("""
                {"split": [{"subset": {"version": "v1"}, "weight": %d}, {"subset": {"version": "v2"}, "weight": %d}]}"""
                .formatted(100 - v2Weight, v2Weight));
    }

    private DistributorSettings settings() {
        return DistributorSettings.local(database.jdbcUrl(), database.username(), database.password(),
                TestKafka.broker().bootstrapServers(), topicPrefix);
    }

    /** Reads the tenant's desired topic until every cluster's latest record has the revision. */
    private Map<String, DesiredConfig> awaitRevision(String tenant, long revision, int clusters) {
        String topic = KafkaTopics.desired(topicPrefix, tenant);
        Map<String, DesiredConfig> latest = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.broker().bootstrapServers(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new ByteArrayDeserializer())) {
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            boolean assigned = false;
            while (System.nanoTime() < deadline) {
                if (!assigned) {
                    var partitions = consumer.partitionsFor(topic, Duration.ofSeconds(5));
                    if (partitions == null || partitions.isEmpty()) {
                        continue;
                    }
                    consumer.assign(partitions.stream().map(p -> new TopicPartition(topic, p.partition())).toList());
                    consumer.seekToBeginning(consumer.assignment());
                    assigned = true;
                }
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    latest.put(record.key(), open(record.value()));
                }
                if (latest.size() == clusters && latest.values().stream().allMatch(c -> c.getRevision() == revision)) {
                    return latest;
                }
            }
        }
        throw new AssertionError("revision " + revision + " of " + tenant + " was not published within "
                + PATIENCE.toSeconds() + " s; latest: " + latest);
    }

    private static DesiredConfig open(byte[] value) {
        try {
            DesiredConfigEnvelope envelope = DesiredConfigEnvelope.parseFrom(value);
            assertThat(envelope.getSha256().toByteArray())
                    .isEqualTo(DesiredConfigEnvelopes.sha256(envelope.getConfig().toByteArray()));
            return DesiredConfig.parseFrom(envelope.getConfig());
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError("a published record is not a desired config envelope", e);
        }
    }

    private void awaitOutboxPublished(UUID tenant) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (db.fetchCount(OUTBOX, OUTBOX.TENANT_ID.eq(tenant).and(OUTBOX.PUBLISHED_AT.isNull())) > 0) {
            assertThat(System.nanoTime()).as("outbox rows marked published").isLessThan(deadline);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}

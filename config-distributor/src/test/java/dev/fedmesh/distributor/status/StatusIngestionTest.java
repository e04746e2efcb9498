package dev.fedmesh.distributor.status;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.fedmesh.api.KafkaTopics;
import dev.fedmesh.api.v1.ClusterStatus;
import dev.fedmesh.api.v1.ProxyStatus;
import dev.fedmesh.api.v1.ProxySyncState;
import dev.fedmesh.api.v1.ResourceTypeStatus;
import dev.fedmesh.db.Migrations;
import dev.fedmesh.db.jooq.tables.records.ClusterStatusRecord;
import dev.fedmesh.db.jooq.tables.records.ProxyStatusRecord;
import dev.fedmesh.db.jooq.tables.records.PublishedConfigsRecord;
import dev.fedmesh.distributor.ConfigDistributor;
import dev.fedmesh.distributor.DistributorSettings;
import dev.fedmesh.testing.TestDatabase;
import dev.fedmesh.testing.TestKafka;
import dev.fedmesh.testing.TestPostgres;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

import static dev.fedmesh.db.jooq.Tables.CLUSTERS;
import static dev.fedmesh.db.jooq.Tables.CLUSTER_STATUS;
import static dev.fedmesh.db.jooq.Tables.OUTBOX;
import static dev.fedmesh.db.jooq.Tables.PROXY_STATUS;
import static dev.fedmesh.db.jooq.Tables.PUBLISHED_CONFIGS;
import static dev.fedmesh.db.jooq.Tables.TENANTS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The distributor on real PostgreSQL and Kafka: it records what it published for each cluster,
 * and stores the agents' reports from the tenant's status topic, newest only.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StatusIngestionTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final String TENANT = "acme";
    private DSLContext db;
    private TestDatabase database;
    private String topicPrefix;
    private UUID tenantId;

    @BeforeAll
    void migrate() {
        database = TestPostgres.newDatabase(getClass());
        Migrations.apply(database.dataSource());
        db = DSL.using(database.dataSource(), SQLDialect.POSTGRES);
        topicPrefix = TestKafka.topicPrefix(getClass());
        tenantId = UUID.randomUUID();
        db.transaction(configuration -> {
            DSLContext tx = configuration.dsl();
            tx.insertInto(TENANTS).set(TENANTS.ID, tenantId).set(TENANTS.NAME, TENANT).set(TENANTS.REVISION, 2L).execute();
            for (String cluster : List.of("east", "west")) {
                tx.insertInto(CLUSTERS).set(CLUSTERS.TENANT_ID, tenantId).set(CLUSTERS.NAME, cluster)
                        .set(CLUSTERS.RESOURCE_VERSION, 2L).execute();
            }
            tx.insertInto(OUTBOX).set(OUTBOX.TENANT_ID, tenantId).set(OUTBOX.REVISION, 2L).execute();
        });
    }

    @Test
    void publishedConfigsAndAgentReportsAreRecordedNewestFirstAndOnlyForTheirOwnTenant() throws Exception {
        try (ConfigDistributor ignored = ConfigDistributor.start(DistributorSettings.local(database.jdbcUrl(),
                database.username(), database.password(), TestKafka.broker().bootstrapServers(), topicPrefix));
             KafkaProducer<String, byte[]> agent = producer()) {
            List<PublishedConfigsRecord> published = await("both clusters' configs recorded as published",
                    () -> db.selectFrom(PUBLISHED_CONFIGS).where(PUBLISHED_CONFIGS.TENANT_ID.eq(tenantId))
                            .orderBy(PUBLISHED_CONFIGS.CLUSTER).fetch(), rows -> rows.size() == 2);
            assertThat(published).allSatisfy(row -> {
                assertThat(row.getRevision()).isEqualTo(2L);
                assertThat(row.getConfigSha256()).hasSize(32);
            });
            byte[] eastSha = published.get(0).getConfigSha256();

            Instant now = Instant.now();
            send(agent, "east", report("east", 2, eastSha, now, 5, proxy("frontend-1", ProxySyncState.SYNCED, "")));
            send(agent, "west", report("west", 1, new byte[32], now, 3,
                    proxy("gateway", ProxySyncState.NACKED, "listener 'greeter': unknown filter")));
            // An older, late report of east; a report sent on acme's topic for another tenant's cluster.
            send(agent, "east", report("east", 1, new byte[32], now.minusSeconds(30), 4));
            send(agent, "east", report("east", 9, new byte[32], now.plusSeconds(1), 6).toBuilder()
                    .setTenant("globex").build());
            // Reports are read in order, so once this one is stored the ones before it were handled.
            send(agent, "west", report("west", 2, new byte[32], now.plusSeconds(2), 4,
                    proxy("gateway", ProxySyncState.NACKED, "listener 'greeter': unknown filter")));

            await("west's newest report", () -> status("west"), row -> row != null && row.getHeartbeatSequence() == 4);
            ClusterStatusRecord east = status("east");
            assertThat(east.getAppliedRevision()).isEqualTo(2L);
            assertThat(east.getConfigSha256()).isEqualTo(eastSha);
            assertThat(east.getHeartbeatSequence()).isEqualTo(5L);
            assertThat(proxies("east")).singleElement().satisfies(proxy -> {
                assertThat(proxy.getNodeId()).isEqualTo("frontend-1");
                assertThat(proxy.getState()).isEqualTo("SYNCED");
                assertThat(proxy.getError()).isNull();
                assertThat(proxy.getTypes().data()).contains("\"ackedVersion\": \"2.0-abc\"");
            });
            assertThat(proxies("west")).singleElement().satisfies(proxy -> {
                assertThat(proxy.getState()).isEqualTo("NACKED");
                assertThat(proxy.getError()).isEqualTo("listener 'greeter': unknown filter");
            });
            assertThat(status("west").getAppliedRevision()).isEqualTo(2L);
        }
    }

    @Test
    void aBurstOfReportsIsStoredInOneGoNewestFirstPerCluster() {
        // A tenant of its own: this test's reports must not outrank the other test's.
        UUID initech = UUID.randomUUID();
        db.insertInto(TENANTS).set(TENANTS.ID, initech).set(TENANTS.NAME, "initech").set(TENANTS.REVISION, 7L).execute();
        ClusterStatusStore store = new ClusterStatusStore(db);
        Instant now = Instant.now();
        List<ClusterStatusStore.Outcome> outcomes = store.storeAll(List.of(
                new ClusterStatusStore.TenantReport("initech", report("east", 7, new byte[32], now, 20,
                        proxy("a", ProxySyncState.SYNCED, ""), proxy("b", ProxySyncState.STALE, ""))),
                new ClusterStatusStore.TenantReport("initech", report("east", 6, new byte[32], now.minusSeconds(5), 19)),
                new ClusterStatusStore.TenantReport("nobody", report("east", 9, new byte[32], now, 21)),
                new ClusterStatusStore.TenantReport("initech", report("west", 7, new byte[32], now, 20))));

        assertThat(outcomes).containsExactly(ClusterStatusStore.Outcome.STORED,
                ClusterStatusStore.Outcome.OLDER_THAN_STORED, ClusterStatusStore.Outcome.UNKNOWN_TENANT,
                ClusterStatusStore.Outcome.STORED);
        assertThat(status(initech, "east").getAppliedRevision()).isEqualTo(7L);
        assertThat(proxies(initech, "east")).extracting(ProxyStatusRecord::getNodeId).containsExactlyInAnyOrder("a", "b");
        assertThat(status(initech, "west").getAppliedRevision()).isEqualTo(7L);

        // The next burst: east's report is older than the stored one and changes nothing, not even
        // its proxies; west's is newer and replaces its row and its proxies.
        assertThat(store.storeAll(List.of(
                new ClusterStatusStore.TenantReport("initech", report("east", 5, new byte[32], now.minusSeconds(10), 18,
                        proxy("c", ProxySyncState.SYNCED, ""))),
                new ClusterStatusStore.TenantReport("initech", report("west", 8, new byte[32], now.plusSeconds(1), 21,
                        proxy("d", ProxySyncState.NACKED, "bad listener"))))))
                .containsExactly(ClusterStatusStore.Outcome.OLDER_THAN_STORED, ClusterStatusStore.Outcome.STORED);
        assertThat(status(initech, "east").getAppliedRevision()).isEqualTo(7L);
        assertThat(proxies(initech, "east")).extracting(ProxyStatusRecord::getNodeId).containsExactlyInAnyOrder("a", "b");
        assertThat(status(initech, "west").getAppliedRevision()).isEqualTo(8L);
        assertThat(proxies(initech, "west")).extracting(ProxyStatusRecord::getNodeId).containsExactly("d");
        assertThat(ClusterStatusStore.isNewer(report("east", 1, new byte[32], now, 2),
                report("east", 1, new byte[32], now, 1))).isTrue();
        assertThat(ClusterStatusStore.isNewer(report("east", 1, new byte[32], now.minusMillis(1), 9),
                report("east", 1, new byte[32], now, 1))).isFalse();
    }

    @Test
    void whatAnAgentReportsOfItsIdentityIsKeptAndClearedWhenItHoldsNone() {
        UUID globex = UUID.randomUUID();
        db.insertInto(TENANTS).set(TENANTS.ID, globex).set(TENANTS.NAME, "globex").set(TENANTS.REVISION, 3L).execute();
        ClusterStatusStore store = new ClusterStatusStore(db);
        Instant now = Instant.now();
        byte[] root = new byte[32];
        Arrays.fill(root, (byte) 9);
        Instant notAfter = Instant.parse("2027-03-01T00:00:00Z");

        store.store("globex", report("east", 3, new byte[32], now, 1).toBuilder()
                .setIntermediateNotAfter(timestamp(notAfter)).setSvidRootSha256(ByteString.copyFrom(root)).build());
        ClusterStatusRecord holding = status(globex, "east");
        store.store("globex", report("east", 3, new byte[32], now.plusSeconds(1), 2));
        ClusterStatusRecord holdingNone = status(globex, "east");

        assertThat(holding.getIntermediateNotAfter().toInstant()).isEqualTo(notAfter);
        assertThat(holding.getSvidRootSha256()).isEqualTo(root);
        assertThat(holdingNone.getIntermediateNotAfter()).isNull();
        assertThat(holdingNone.getSvidRootSha256()).isNull();
    }

    private ClusterStatusRecord status(String cluster) {
        return status(tenantId, cluster);
    }

    private ClusterStatusRecord status(UUID tenant, String cluster) {
        return db.selectFrom(CLUSTER_STATUS)
                .where(CLUSTER_STATUS.TENANT_ID.eq(tenant).and(CLUSTER_STATUS.CLUSTER.eq(cluster))).fetchOne();
    }

    private List<ProxyStatusRecord> proxies(String cluster) {
        return proxies(tenantId, cluster);
    }

    private List<ProxyStatusRecord> proxies(UUID tenant, String cluster) {
        return db.selectFrom(PROXY_STATUS)
                .where(PROXY_STATUS.TENANT_ID.eq(tenant).and(PROXY_STATUS.CLUSTER.eq(cluster))).fetch();
    }

    private static ClusterStatus report(String cluster, long revision, byte[] sha256, Instant at, long sequence,
                                        ProxyStatus... proxies) {
        return ClusterStatus.newBuilder()
                .setTenant(TENANT)
                .setCluster(cluster)
                .setAppliedRevision(revision)
                .setConfigSha256(ByteString.copyFrom(sha256))
                .setAppliedAt(timestamp(at.minusSeconds(1)))
                .setXdsVersion(revision + ".0-abc")
                .addAllProxies(List.of(proxies))
                .setReportedAt(timestamp(at))
                .setHeartbeatSequence(sequence)
                .build();
    }

    private static ProxyStatus proxy(String node, ProxySyncState state, String error) {
        return ProxyStatus.newBuilder().setNodeId(node).setState(state).setError(error)
                .addTypes(ResourceTypeStatus.newBuilder()
                        .setTypeUrl("type.googleapis.com/envoy.config.listener.v3.Listener")
                        .setAckedVersion("2.0-abc").setSentVersion("2.0-abc").setError(error))
                .build();
    }

    private static Timestamp timestamp(Instant instant) {
        return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
    }

    private void send(KafkaProducer<String, byte[]> producer, String cluster, ClusterStatus report) throws Exception {
        producer.send(new ProducerRecord<>(KafkaTopics.status(topicPrefix, TENANT), cluster, report.toByteArray())).get();
    }

    private static KafkaProducer<String, byte[]> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.broker().bootstrapServers()),
                new StringSerializer(), new ByteArraySerializer());
    }

    private static <T> T await(String what, Supplier<T> read, java.util.function.Predicate<T> done) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        T value = read.get();
        while (!done.test(value)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited " + PATIENCE.toSeconds() + " s for " + what + "; last saw " + value);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            value = read.get();
        }
        return value;
    }
}

package dev.fedmesh.distributor.status;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.fedmesh.api.KafkaTopics;
import dev.fedmesh.api.v1.ClusterStatus;
import dev.fedmesh.api.v1.IntermediateRequest;
import dev.fedmesh.api.v1.ProxyStatus;
import dev.fedmesh.api.v1.ProxySyncState;
import dev.fedmesh.api.v1.ResourceTypeStatus;
import dev.fedmesh.db.Migrations;
import dev.fedmesh.db.jooq.tables.records.ClusterStatusRecord;
import dev.fedmesh.db.jooq.tables.records.ProxyStatusRecord;
import dev.fedmesh.db.jooq.tables.records.PublishedConfigsRecord;
import dev.fedmesh.db.jooq.tables.records.StatusDeadLettersRecord;
import dev.fedmesh.distributor.ConfigDistributor;
import dev.fedmesh.distributor.DistributorSettings;
import dev.fedmesh.distributor.trust.AgentRequests;
import dev.fedmesh.distributor.trust.TrustSettings;
import dev.fedmesh.testing.TestDatabase;
import dev.fedmesh.testing.TestKafka;
import dev.fedmesh.testing.TestPostgres;
import dev.fedmesh.trust.credential.ClusterCredentialKeys;
import dev.fedmesh.trust.x509.CertificateRequest;
import dev.fedmesh.trust.x509.KeyType;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

import static dev.fedmesh.db.jooq.Tables.CLUSTERS;
import static dev.fedmesh.db.jooq.Tables.CLUSTER_STATUS;
import static dev.fedmesh.db.jooq.Tables.INTERMEDIATES;
import static dev.fedmesh.db.jooq.Tables.OUTBOX;
import static dev.fedmesh.db.jooq.Tables.PROXY_STATUS;
import static dev.fedmesh.db.jooq.Tables.PUBLISHED_CONFIGS;
import static dev.fedmesh.db.jooq.Tables.STATUS_DEAD_LETTERS;
import static dev.fedmesh.db.jooq.Tables.TENANTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The distributor on real PostgreSQL and Kafka: it records what it published for each cluster, and
 * takes from the tenant's status topic only what each cluster's agent may say of itself, in the
 * order the broker took it; whatever it cannot take goes to the dead letters, and the reports
 * after it are taken as if nothing happened.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StatusIngestionTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final String TENANT = "acme";
    private static final List<String> CLUSTERS_OF_ACME = List.of("east", "west", "north", "south");
    private final Map<String, String> credentials = new java.util.HashMap<>();
    private DSLContext db;
    private TestDatabase database;
    private String topicPrefix;
    private UUID tenantId;
    private ConfigDistributor distributor;
    private KafkaProducer<String, byte[]> producer;

    @BeforeAll
    void startDistributor() throws Exception {
        Path caDirectory = Files.createTempDirectory("status-ingestion-ca");
        database = TestPostgres.newDatabase(getClass());
        Migrations.apply(database.dataSource());
        db = DSL.using(database.dataSource(), SQLDialect.POSTGRES);
        topicPrefix = TestKafka.topicPrefix(getClass());
        tenantId = UUID.randomUUID();
        db.transaction(configuration -> {
            DSLContext tx = configuration.dsl();
            tx.insertInto(TENANTS).set(TENANTS.ID, tenantId).set(TENANTS.NAME, TENANT).set(TENANTS.REVISION, 2L).execute();
            for (String cluster : CLUSTERS_OF_ACME) {
                credentials.put(cluster, "fmb_" + cluster + "-" + UUID.randomUUID());
                tx.insertInto(CLUSTERS).set(CLUSTERS.TENANT_ID, tenantId).set(CLUSTERS.NAME, cluster)
                        .set(CLUSTERS.RESOURCE_VERSION, 2L)
                        .set(CLUSTERS.BOOTSTRAP_SECRET_SHA256, ClusterCredentialKeys.sha256Of(credentials.get(cluster)))
                        .execute();
            }
            tx.insertInto(OUTBOX).set(OUTBOX.TENANT_ID, tenantId).set(OUTBOX.REVISION, 2L).execute();
        });
        distributor = ConfigDistributor.start(DistributorSettings.local(database.jdbcUrl(), database.username(),
                database.password(), TestKafka.broker().bootstrapServers(), topicPrefix), TrustSettings.builtIn(caDirectory));
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                TestKafka.broker().bootstrapServers()), new StringSerializer(), new ByteArraySerializer());
    }

    @AfterAll
    void stop() {
        producer.close();
        distributor.close();
    }

    @Test
    void publishedConfigsAndEachClustersOwnReportsAreRecordedInTheOrderTheBrokerTookThem() throws Exception {
        List<PublishedConfigsRecord> published = await("every cluster's config recorded as published",
                () -> db.selectFrom(PUBLISHED_CONFIGS).where(PUBLISHED_CONFIGS.TENANT_ID.eq(tenantId))
                        .orderBy(PUBLISHED_CONFIGS.CLUSTER).fetch(), rows -> rows.size() == CLUSTERS_OF_ACME.size());
        assertThat(published).allSatisfy(row -> {
            assertThat(row.getRevision()).as("revision 2, or a later one of an intermediate issued meanwhile").isGreaterThanOrEqualTo(2L);
            assertThat(row.getConfigSha256()).hasSize(32);
        });
        byte[] eastSha = published.stream().filter(row -> row.getCluster().equals("east")).findFirst().orElseThrow()
                .getConfigSha256();

        Instant now = Instant.now();
        send("east", report("east", 2, eastSha, now, 5, proxy("frontend-1", ProxySyncState.SYNCED, "")));
        // West's agent clock says year 9999; its next report, with an honest clock, is the newer one still.
        send("west", report("west", 1, new byte[32], Instant.parse("9999-12-31T00:00:00Z"), 900,
                proxy("gateway", ProxySyncState.NACKED, "listener 'greeter': unknown filter")));
        send("west", report("west", 2, new byte[32], now, 3));
        // Reports are read in order, so once this one is stored the ones before it were handled.
        send("east", report("east", 2, eastSha, now.minusSeconds(30), 6));

        await("east's last report", () -> status("east"), row -> row != null && row.getHeartbeatSequence() == 6);
        ClusterStatusRecord east = status("east");
        assertThat(east.getAppliedRevision()).isEqualTo(2L);
        assertThat(east.getConfigSha256()).isEqualTo(eastSha);
        assertThat(east.getReportedAt().toInstant()).as("shown as the agent said it, to PostgreSQL's microsecond")
                .isCloseTo(now.minusSeconds(30), within(1, ChronoUnit.MILLIS));
        assertThat(proxies("east")).as("its last report lists no proxy").isEmpty();
        ClusterStatusRecord west = status("west");
        assertThat(west.getAppliedRevision()).as("the broker's order, not the agent's clock").isEqualTo(2L);
        assertThat(west.getHeartbeatSequence()).isEqualTo(3L);
        assertThat(proxies("west")).isEmpty();
    }

    @Test
    void theStatusTopicIsStampedWithTheBrokersClock() throws Exception {
        String topic = KafkaTopics.status(topicPrefix, TENANT);
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                TestKafka.broker().bootstrapServers()))) {
            String type = await("the status topic created", () -> {
                try {
                    return admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource)
                            .get(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG).value();
                } catch (Exception e) {
                    return null;
                }
            }, value -> value != null);
            assertThat(type).isEqualTo("LogAppendTime");
        }
    }

    @Test
    void aReportWithoutTheClustersOwnHmacIsNotTakenAndIsCountedForTheOperator() throws Exception {
        Instant now = Instant.now();
        send("north", report("north", 7, new byte[32], now, 1));
        await("north's honest report", () -> status("north"), row -> row != null && row.getAppliedRevision() == 7);

        // South's agent writes a report keyed as north, with its own credential; then one with no HMAC at all.
        send("north", report("north", 99, new byte[32], now.plusSeconds(5), 2), credentials.get("south"));
        sendUnsigned("north", report("north", 98, new byte[32], now.plusSeconds(6), 3).toByteArray());
        // A report for a cluster the tenant does not have is dropped without a trace in the database.
        sendUnsigned("ghost", report("ghost", 1, new byte[32], now, 1).toByteArray());
        send("north", report("north", 8, new byte[32], now.plusSeconds(7), 4));

        await("north's next honest report", () -> status("north"), row -> row.getAppliedRevision() == 8);
        StatusDeadLettersRecord forged = deadLetter("north", "unauthenticated");
        assertThat(forged.getOccurrences()).isEqualTo(2L);
        assertThat(forged.getDetail()).contains("fedmesh-report-mac");
        assertThat(db.fetchCount(CLUSTER_STATUS, CLUSTER_STATUS.CLUSTER.eq("ghost"))).isZero();
        assertThat(db.fetchCount(STATUS_DEAD_LETTERS, STATUS_DEAD_LETTERS.CLUSTER.eq("ghost"))).isZero();
    }

    @Test
    void whatCannotBeReadIsADeadLetterWhatAProxyWroteIsBoundedAndTheRequestAroundItIsAnswered() throws Exception {
        Instant now = Instant.now();
        // Signed by south's agent but no ClusterStatus: a dead letter, and the partition moves on.
        send("south", "not a protobuf message at all".getBytes(), credentials.get("south"));
        char[] huge = new char[200_000];
        Arrays.fill(huge, 'x');
        String nack = "bad\u0000listener\u0001" + new String(huge);
        List<ProxyStatus> many = new ArrayList<>();
        many.add(proxy("gateway\u0000-0", ProxySyncState.NACKED, nack));
        for (int i = 1; i < 1_500; i++) {
            many.add(proxy(String.format("frontend-%04d", i), ProxySyncState.SYNCED, ""));
        }
        KeyPair intermediateKey = KeyType.EC_P256.generate();
        ClusterStatus withRequest = report("south", 3, new byte[32], now, 2, many.toArray(ProxyStatus[]::new)).toBuilder()
                .setIntermediateRequest(AgentRequests.credentialRequest(TENANT, "south", CertificateRequest.create(
                        intermediateKey, "fedmesh intermediate south", List.of(URI.create("spiffe://acme.fedmesh.local")),
                        true), credentials.get("south")))
                .build();
        send("south", withRequest.toByteArray(), credentials.get("south"));

        ClusterStatusRecord south = await("south's report, stored bounded", () -> status("south"),
                row -> row != null && row.getAppliedRevision() == 3);
        assertThat(south.getProxiesTotal()).isEqualTo(1_500);
        assertThat(south.getProxiesNacked()).isEqualTo(1);
        assertThat(proxies("south")).hasSize(1_000).filteredOn(proxy -> proxy.getState().equals("NACKED"))
                .singleElement().satisfies(proxy -> {
                    assertThat(proxy.getNodeId()).isEqualTo("gateway -0");
                    assertThat(proxy.getError()).startsWith("bad listener xxx").hasSize(1_024).endsWith("…");
                });
        assertThat(deadLetter("south", "unparseable").getDetail()).contains("not a ClusterStatus");
        await("south's intermediate issued", () -> db.fetchCount(INTERMEDIATES, INTERMEDIATES.TENANT_ID.eq(tenantId)
                .and(INTERMEDIATES.CLUSTER.eq("south"))), issued -> issued == 1);
    }

    @Test
    void aBurstOfReportsIsStoredInOneGoTheOneTheBrokerTookLastWinningPerCluster() {
        // A tenant of its own: this test's reports must not outrank the other tests'.
        UUID initech = UUID.randomUUID();
        db.transaction(configuration -> {
            configuration.dsl().insertInto(TENANTS).set(TENANTS.ID, initech).set(TENANTS.NAME, "initech")
                    .set(TENANTS.REVISION, 7L).execute();
            for (String cluster : List.of("east", "west")) {
                configuration.dsl().insertInto(CLUSTERS).set(CLUSTERS.TENANT_ID, initech).set(CLUSTERS.NAME, cluster)
                        .set(CLUSTERS.RESOURCE_VERSION, 1L).execute();
            }
        });
        ClusterStatusStore store = new ClusterStatusStore(db);
        Instant broker = Instant.now();
        List<ClusterStatusStore.Outcome> outcomes = store.storeAll(List.of(
                stored(initech, report("east", 7, new byte[32], broker, 20,
                        proxy("a", ProxySyncState.SYNCED, ""), proxy("b", ProxySyncState.STALE, "")), broker, 11),
                stored(initech, report("east", 6, new byte[32], broker.plusSeconds(60), 19), broker, 10),
                stored(initech, report("west", 7, new byte[32], broker, 20), broker, 12)));

        assertThat(outcomes).containsExactly(ClusterStatusStore.Outcome.STORED,
                ClusterStatusStore.Outcome.OLDER_THAN_STORED, ClusterStatusStore.Outcome.STORED);
        assertThat(status(initech, "east").getAppliedRevision()).isEqualTo(7L);
        assertThat(status(initech, "east").getProxiesTotal()).isEqualTo(2);
        assertThat(proxies(initech, "east")).extracting(ProxyStatusRecord::getNodeId).containsExactlyInAnyOrder("a", "b");

        // The next burst: east's report was taken by the broker before the stored one and changes nothing,
        // not even its proxies; west's came later and replaces its row and its proxies.
        assertThat(store.storeAll(List.of(
                stored(initech, report("east", 5, new byte[32], broker.plusSeconds(90), 18,
                        proxy("c", ProxySyncState.SYNCED, "")), broker.minusSeconds(1), 9),
                stored(initech, report("west", 8, new byte[32], broker, 21,
                        proxy("d", ProxySyncState.NACKED, "bad listener")), broker.plusSeconds(1), 13))))
                .containsExactly(ClusterStatusStore.Outcome.OLDER_THAN_STORED, ClusterStatusStore.Outcome.STORED);
        assertThat(status(initech, "east").getAppliedRevision()).isEqualTo(7L);
        assertThat(proxies(initech, "east")).extracting(ProxyStatusRecord::getNodeId).containsExactlyInAnyOrder("a", "b");
        assertThat(status(initech, "west").getAppliedRevision()).isEqualTo(8L);
        assertThat(proxies(initech, "west")).extracting(ProxyStatusRecord::getNodeId).containsExactly("d");
    }

    @Test
    void whatAnAgentReportsOfItsIdentityIsKeptAndClearedWhenItHoldsNone() {
        UUID globex = UUID.randomUUID();
        db.transaction(configuration -> {
            configuration.dsl().insertInto(TENANTS).set(TENANTS.ID, globex).set(TENANTS.NAME, "globex")
                    .set(TENANTS.REVISION, 3L).execute();
            configuration.dsl().insertInto(CLUSTERS).set(CLUSTERS.TENANT_ID, globex).set(CLUSTERS.NAME, "east")
                    .set(CLUSTERS.RESOURCE_VERSION, 1L).execute();
        });
        ClusterStatusStore store = new ClusterStatusStore(db);
        Instant now = Instant.now();
        byte[] root = new byte[32];
        Arrays.fill(root, (byte) 9);
        Instant notAfter = Instant.parse("2027-03-01T00:00:00Z");

        store.storeAll(List.of(stored(globex, report("east", 3, new byte[32], now, 1).toBuilder()
                .setIntermediateNotAfter(timestamp(notAfter)).setSvidRootSha256(ByteString.copyFrom(root)).build(), now, 1)));
        ClusterStatusRecord holding = status(globex, "east");
        store.storeAll(List.of(stored(globex, report("east", 3, new byte[32], now.plusSeconds(1), 2), now, 2)));
        ClusterStatusRecord holdingNone = status(globex, "east");

        assertThat(holding.getIntermediateNotAfter().toInstant()).isEqualTo(notAfter);
        assertThat(holding.getSvidRootSha256()).isEqualTo(root);
        assertThat(holdingNone.getIntermediateNotAfter()).isNull();
        assertThat(holdingNone.getSvidRootSha256()).isNull();
    }

    private static ClusterStatusStore.TenantReport stored(UUID tenant, ClusterStatus report, Instant brokerTime, long offset) {
        return new ClusterStatusStore.TenantReport(tenant, report.getTenant(), ReportBounds.apply(report), brokerTime, offset);
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

    private StatusDeadLettersRecord deadLetter(String cluster, String reason) {
        return await("a dead letter of " + cluster + " (" + reason + ")", () -> db.selectFrom(STATUS_DEAD_LETTERS)
                .where(STATUS_DEAD_LETTERS.TENANT_ID.eq(tenantId)).and(STATUS_DEAD_LETTERS.CLUSTER.eq(cluster))
                .and(STATUS_DEAD_LETTERS.REASON.eq(reason)).fetchOne(), row -> row != null);
    }

    private static ClusterStatus report(String cluster, long revision, byte[] sha256, Instant at, long sequence,
                                        ProxyStatus... proxies) {
        return ClusterStatus.newBuilder()
                .setTenant(cluster.equals("initech") ? "initech" : TENANT)
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

    /** Sends as {@code cluster}'s own agent would: signed with its credential. */
    private void send(String cluster, ClusterStatus report) throws Exception {
        send(cluster, report.toByteArray(), credentials.get(cluster));
    }

    /** Sends {@code value} keyed by {@code cluster}, with the HMAC the holder of {@code credential} computes. */
    private void send(String cluster, ClusterStatus report, String credential) throws Exception {
        send(cluster, report.toByteArray(), credential);
    }

    private void send(String cluster, byte[] value, String credential) throws Exception {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(KafkaTopics.status(topicPrefix, TENANT), cluster, value);
        record.headers().add(KafkaTopics.REPORT_MAC_HEADER,
                ClusterCredentialKeys.ofCredential(credential).reportMac(TENANT, cluster, value));
        producer.send(record).get();
    }

    private void sendUnsigned(String cluster, byte[] value) throws Exception {
        producer.send(new ProducerRecord<>(KafkaTopics.status(topicPrefix, TENANT), cluster, value)).get();
    }

    private static <T> T await(String what, Supplier<T> read, Predicate<T> done) {
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

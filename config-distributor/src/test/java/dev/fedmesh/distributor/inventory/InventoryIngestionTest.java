package dev.fedmesh.distributor.inventory;

import dev.fedmesh.api.KafkaTopics;
import dev.fedmesh.api.v1.ClusterInventory;
import dev.fedmesh.api.v1.EndpointHealth;
import dev.fedmesh.api.v1.InventoryEndpoint;
import dev.fedmesh.api.v1.InventoryEnvelope;
import dev.fedmesh.api.v1.InventoryService;
import dev.fedmesh.db.Migrations;
import dev.fedmesh.db.jooq.tables.records.ClusterInventoriesRecord;
import dev.fedmesh.db.jooq.tables.records.StatusDeadLettersRecord;
import dev.fedmesh.distributor.ConfigDistributor;
import dev.fedmesh.distributor.DistributorSettings;
import dev.fedmesh.testing.TestDatabase;
import dev.fedmesh.testing.TestKafka;
import dev.fedmesh.testing.TestPostgres;
import dev.fedmesh.trust.credential.ClusterCredentialKeys;
import dev.fedmesh.trust.signing.ConfigBatchTree;
import dev.fedmesh.trust.signing.ConfigVerifier;
import dev.fedmesh.trust.signing.InventorySignatures;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.function.Supplier;

import static dev.fedmesh.db.jooq.Tables.CLUSTERS;
import static dev.fedmesh.db.jooq.Tables.CLUSTER_INVENTORIES;
import static dev.fedmesh.db.jooq.Tables.OUTBOX;
import static dev.fedmesh.db.jooq.Tables.PUBLISHED_CONFIGS;
import static dev.fedmesh.db.jooq.Tables.STATUS_DEAD_LETTERS;
import static dev.fedmesh.db.jooq.Tables.TENANTS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The distributor on real PostgreSQL and Kafka takes each cluster's inventory from the tenant's
 * status topic only when the cluster's own credential authenticates it, stores the newest by the
 * broker's order, republishes it signed on the tenant's inventory topic, and writes a tombstone there
 * once the cluster is deleted.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InventoryIngestionTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final String TENANT = "acme";
    private static final List<String> CLUSTERS_OF_ACME = List.of("east", "west", "north", "doomed");
    private final Map<String, String> credentials = new HashMap<>();
    private DSLContext db;
    private TestDatabase database;
    private DistributorSettings settings;
    private UUID tenantId;
    private ConfigDistributor distributor;
    private KafkaProducer<String, byte[]> producer;
    private KafkaConsumer<String, byte[]> inventoryTopic;
    private final List<ConsumerRecord<String, byte[]>> republished = new ArrayList<>();

    @BeforeAll
    void startDistributor() {
        database = TestPostgres.newDatabase(getClass());
        Migrations.apply(database.dataSource());
        db = DSL.using(database.dataSource(), SQLDialect.POSTGRES);
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
        settings = DistributorSettings.local(database.jdbcUrl(), database.username(), database.password(),
                TestKafka.broker().bootstrapServers(), TestKafka.topicPrefix(getClass()));
        distributor = ConfigDistributor.start(settings);
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                TestKafka.broker().bootstrapServers()), new StringSerializer(), new ByteArraySerializer());
        // The tenant's topics exist once its first change is published.
        await("acme's configs published", () -> db.fetchCount(PUBLISHED_CONFIGS, PUBLISHED_CONFIGS.TENANT_ID.eq(tenantId)),
                count -> count == CLUSTERS_OF_ACME.size());
        inventoryTopic = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                TestKafka.broker().bootstrapServers(), ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"),
                new StringDeserializer(), new ByteArrayDeserializer());
    }

    @AfterAll
    void stop() {
        inventoryTopic.close();
        producer.close();
        distributor.close();
    }

    @Test
    void eastsInventoryIsStoredAndRepublishedSignedByTheControlPlane() throws Exception {
        ClusterInventory east = inventory("east", 4, "10.0.0.1", "10.0.0.2", "10.0.0.3");
        send("east", east.toByteArray(), credentials.get("east"));

        ClusterInventoriesRecord row = await("east's inventory stored", () -> row("east"), found -> found != null);
        assertThat(row.getInventory()).isEqualTo(east.toByteArray());
        assertThat(row.getGeneration()).isEqualTo(4L);
        assertThat(row.getServices()).isEqualTo(1);
        assertThat(row.getEndpoints()).isEqualTo(3);
        assertThat(row.getHealthy()).as("one of them unhealthy").isEqualTo(2);

        ConsumerRecord<String, byte[]> record = await("east's inventory republished",
                () -> republished("east"), found -> found != null);
        InventoryEnvelope envelope = InventoryEnvelope.parseFrom(record.value());
        assertThat(ClusterInventory.parseFrom(envelope.getInventory())).isEqualTo(east);
        byte[] sha256 = ConfigBatchTree.sha256(envelope.getInventory().toByteArray());
        assertThat(envelope.getSha256().toByteArray()).isEqualTo(sha256);
        assertThat(InventorySignatures.check(envelope, sha256, ConfigVerifier.trusting(settings.signingKey().publicKey())))
                .isEqualTo(ConfigVerifier.Check.VALID);
        assertThat(Instant.ofEpochSecond(envelope.getReportedAt().getSeconds(), envelope.getReportedAt().getNanos()))
                .as("the broker's time of east's record").isEqualTo(row.getBrokerTime().toInstant());
    }

    @Test
    void anInventoryKeyedAsAnotherClusterOrOutOfBoundsIsADeadLetterAndChangesNothing() throws Exception {
        ClusterInventory honest = inventory("west", 1, "10.1.0.1");
        send("west", honest.toByteArray(), credentials.get("west"));
        await("west's inventory stored", () -> row("west"), found -> found != null);

        // North's agent writes an inventory keyed as west with its own credential.
        ClusterInventory forged = inventory("west", 99, "6.6.6.6");
        send("west", forged.toByteArray(), credentials.get("north"));
        // West's own agent, with a port no endpoint can have; then an inventory naming north.
        ClusterInventory badPort = honest.toBuilder().setServices(0, honest.getServices(0).toBuilder()
                .setEndpoints(0, honest.getServices(0).getEndpoints(0).toBuilder().setPort(0))).build();
        send("west", badPort.toByteArray(), credentials.get("west"));
        send("west", inventory("north", 2, "10.2.0.1").toByteArray(), credentials.get("west"));

        StatusDeadLettersRecord unauthenticated = await("the forged inventory dead-lettered",
                () -> deadLetter("west", "unauthenticated"), found -> found != null);
        assertThat(unauthenticated.getDetail()).contains("another cluster's agent");
        StatusDeadLettersRecord unparseable = await("both refused inventories dead-lettered",
                () -> deadLetter("west", "unparseable"), found -> found != null && found.getOccurrences() == 2);
        assertThat(unparseable.getDetail()).contains("cluster 'north'");
        assertThat(ClusterInventory.parseFrom(row("west").getInventory())).isEqualTo(honest);
        assertThat(row("north")).as("north never reported").isNull();
    }

    @Test
    void anInventoryOlderThanTheStoredOneChangesNothing() {
        InventoryStore store = new InventoryStore(db);
        Instant now = Instant.now();
        ClusterInventory newer = inventory("north", 7, "10.7.0.1");
        ClusterInventory older = inventory("north", 3, "10.3.0.1");

        assertThat(store.storeAll(List.of(taken(newer, now, 10)))).hasSize(1);
        assertThat(store.storeAll(List.of(taken(older, now.minusSeconds(1), 11)))).as("older by the broker's time").isEmpty();
        assertThat(store.storeAll(List.of(taken(older, now, 9)))).as("the same time, an earlier offset").isEmpty();
        assertThat(store.storeAll(List.of(taken(newer, now, 10)))).as("the same record again").isEmpty();

        assertThat(row("north").getGeneration()).isEqualTo(7L);
        assertThat(store.storeAll(List.of(taken(older, now, 12)))).as("a later offset").hasSize(1);
    }

    @Test
    void aDeletedClusterGetsATombstoneOnTheInventoryTopic() throws Exception {
        send("doomed", inventory("doomed", 1, "10.9.0.1").toByteArray(), credentials.get("doomed"));
        await("doomed's inventory republished", () -> republished("doomed"), found -> found != null);

        db.deleteFrom(CLUSTERS).where(CLUSTERS.TENANT_ID.eq(tenantId).and(CLUSTERS.NAME.eq("doomed"))).execute();

        assertThat(row("doomed")).as("its row goes with the cluster").isNull();
        await("a tombstone for doomed", () -> republished("doomed"), found -> found != null && found.value() == null);
    }

    @Test
    void theIssuesLargestClusterInventoryIsWellUnderOneMegabyte() throws Exception {
        ClusterInventory.Builder inventory = ClusterInventory.newBuilder().setTenant(TENANT).setCluster("east")
                .setGeneration(1);
        for (int s = 0; s < 1_000; s++) {
            InventoryService.Builder service = InventoryService.newBuilder().setName(String.format("service-%04d", s));
            for (int e = 0; e < 3; e++) {
                service.addEndpoints(InventoryEndpoint.newBuilder().setHost("10." + (s / 250) + "." + (s % 250) + "." + e)
                        .setPort(8080).putLabels("version", "v1").setServiceAccount(String.format("service-%04d", s))
                        .setHealth(EndpointHealth.ENDPOINT_HEALTH_HEALTHY));
            }
            inventory.addServices(service);
        }
        byte[] bytes = inventory.build().toByteArray();
        byte[] envelope = InventorySignatures.seal(bytes, Instant.now(), settings.signingKey()).toByteArray();
        System.out.printf("one cluster of 1,000 services x 3 endpoints: inventory %,d bytes, signed envelope %,d bytes%n",
                bytes.length, envelope.length);

        assertThat(envelope.length).isLessThan(256 * 1024);
        assertThat(InventoryBounds.problem(inventory.build(), bytes.length)).isEmpty();
        send("east", bytes, credentials.get("east"));
        // The republished envelope carries the broker's time, whose encoding may be a byte longer or
        // shorter than this test's: it is the inventory inside that must arrive whole.
        await("the large inventory republished", () -> republished("east"),
                found -> found != null && found.value() != null && Arrays.equals(inventoryIn(found.value()), bytes));
    }

    private static byte[] inventoryIn(byte[] envelope) {
        try {
            return InventoryEnvelope.parseFrom(envelope).getInventory().toByteArray();
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError("the inventory topic holds an envelope", e);
        }
    }

    private TenantInventory taken(ClusterInventory inventory, Instant brokerTime, long offset) {
        return new TenantInventory(tenantId, TENANT, inventory, inventory.toByteArray(), brokerTime, offset);
    }

    private static ClusterInventory inventory(String cluster, long generation, String... hosts) {
        InventoryService.Builder greeter = InventoryService.newBuilder().setName("greeter");
        for (int i = 0; i < hosts.length; i++) {
            greeter.addEndpoints(InventoryEndpoint.newBuilder().setHost(hosts[i]).setPort(50051)
                    .putLabels("version", "v1")
                    .setHealth(i == 0 && hosts.length > 1 ? EndpointHealth.ENDPOINT_HEALTH_UNHEALTHY
                            : EndpointHealth.ENDPOINT_HEALTH_HEALTHY));
        }
        return ClusterInventory.newBuilder().setTenant(TENANT).setCluster(cluster).setGeneration(generation)
                .addServices(greeter).build();
    }

    private ClusterInventoriesRecord row(String cluster) {
        return db.selectFrom(CLUSTER_INVENTORIES)
                .where(CLUSTER_INVENTORIES.TENANT_ID.eq(tenantId).and(CLUSTER_INVENTORIES.CLUSTER.eq(cluster))).fetchOne();
    }

    private StatusDeadLettersRecord deadLetter(String cluster, String reason) {
        return db.selectFrom(STATUS_DEAD_LETTERS).where(STATUS_DEAD_LETTERS.TENANT_ID.eq(tenantId)
                .and(STATUS_DEAD_LETTERS.CLUSTER.eq(cluster)).and(STATUS_DEAD_LETTERS.REASON.eq(reason))).fetchOne();
    }

    /** The newest record keyed {@code cluster} on the tenant's inventory topic, or null. */
    private synchronized ConsumerRecord<String, byte[]> republished(String cluster) {
        String topic = KafkaTopics.inventory(settings.topicPrefix(), TENANT);
        if (inventoryTopic.assignment().isEmpty()) {
            if (inventoryTopic.partitionsFor(topic).isEmpty()) {
                return null;
            }
            TopicPartition partition = new TopicPartition(topic, 0);
            inventoryTopic.assign(List.of(partition));
            inventoryTopic.seekToBeginning(List.of(partition));
        }
        inventoryTopic.poll(Duration.ofMillis(100)).forEach(republished::add);
        ConsumerRecord<String, byte[]> newest = null;
        for (ConsumerRecord<String, byte[]> record : republished) {
            if (cluster.equals(record.key())) {
                newest = record;
            }
        }
        return newest;
    }

    /** Sends an inventory record keyed by {@code cluster}, with the HMAC the holder of {@code credential} computes. */
    private void send(String cluster, byte[] value, String credential) throws Exception {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(KafkaTopics.status(settings.topicPrefix(), TENANT),
                cluster, value);
        record.headers().add(KafkaTopics.RECORD_KIND_HEADER, KafkaTopics.INVENTORY_RECORD_KIND.getBytes());
        record.headers().add(KafkaTopics.REPORT_MAC_HEADER, ClusterCredentialKeys.ofCredential(credential)
                .reportMac(TENANT, cluster, KafkaTopics.authenticatedBytes(KafkaTopics.INVENTORY_RECORD_KIND, value)));
        producer.send(record).get();
    }

    private static <T> T await(String what, Supplier<T> read, Predicate<T> done) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        T value = read.get();
        while (!done.test(value)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited " + PATIENCE.toSeconds() + " s for " + what + "; last saw " + value);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            value = read.get();
        }
        return value;
    }
}

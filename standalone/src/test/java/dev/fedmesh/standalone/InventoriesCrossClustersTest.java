package dev.fedmesh.standalone;

import dev.fedmesh.agent.ClusterAgent;
import dev.fedmesh.api.KafkaClientSecurity;
import dev.fedmesh.api.KafkaTopics;
import dev.fedmesh.api.v1.ClusterInventory;
import dev.fedmesh.api.v1.InventoryEndpoint;
import dev.fedmesh.api.v1.InventoryService;
import dev.fedmesh.distributor.DistributorSettings;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.testing.EmbeddedKafka;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.fedmesh.db.jooq.Tables.CLUSTER_INVENTORIES;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole path of an inventory, on the stack's real PostgreSQL and a Kafka broker of its own:
 * east's agent publishes its endpoints, the distributor authenticates, stores and republishes them,
 * and west's agent holds them; a burst of changes costs a handful of records; and west, restarted
 * after Kafka stopped, serves east's endpoints from its state directory.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InventoriesCrossClustersTest {
    private static final String TENANT = "acme";
    private static final int BURST = 100;

    @TempDir
    static Path state;
    private EmbeddedKafka kafka;
    private StackUnderTest mesh;

    @BeforeAll
    void startTheStackOnItsOwnBroker() {
        kafka = EmbeddedKafka.start(null, 0);
        mesh = StackUnderTest.start(getClass(), state, Duration.ofSeconds(1), kafka.bootstrapServers(),
                KafkaClientSecurity.plaintext(), DistributorSettings.DEFAULT_AGENT_ACCESS_SWEEP);
    }

    @AfterAll
    void stop() throws Exception {
        if (mesh != null) {
            mesh.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void westHoldsEastsEndpointsABurstIsCoalescedAndARestartWithoutKafkaKeepsThem() throws Exception {
        mesh.api.expectOk(mesh.api.post("/api/v1/tenants", "{\"name\": \"" + TENANT + "\"}"), "creating " + TENANT);
        ClusterAgent east = mesh.stack.startAgent(TENANT, "east", register("east"));
        ClusterAgent west = mesh.stack.startAgent(TENANT, "west", register("west"));
        Await.until(() -> west.remoteInventories().current().containsKey("east"), "east's first inventory at west");
        long before = endOffset();

        long started = System.nanoTime();
        for (int i = 0; i < BURST; i++) {
            east.inventory().register(new ServiceEndpoint("greeter", "10.0." + (i / 250) + "." + (i % 250), 50051,
                    Map.of("version", i % 2 == 0 ? "v1" : "v2")));
        }
        long burstMillis = (System.nanoTime() - started) / 1_000_000;
        Await.until(() -> endpoints(west.remoteInventories().current().get("east")) == BURST,
                () -> "all " + BURST + " of east's endpoints at west, holding "
                        + endpoints(west.remoteInventories().current().get("east")));

        ClusterInventory held = west.remoteInventories().current().get("east");
        assertThat(held.getTenant()).isEqualTo(TENANT);
        assertThat(held.getServicesList()).extracting(InventoryService::getName).containsExactly("greeter");
        assertThat(held.getServices(0).getEndpointsList()).extracting(InventoryEndpoint::getHost)
                .contains("10.0.0.0", "10.0.0.99");
        assertThat(west.remoteInventories().current()).as("west does not hold itself").doesNotContainKey("west");
        assertThat(db().select(CLUSTER_INVENTORIES.ENDPOINTS).from(CLUSTER_INVENTORIES)
                .where(CLUSTER_INVENTORIES.CLUSTER.eq("east")).fetchOne(CLUSTER_INVENTORIES.ENDPOINTS))
                .as("east's row, as the failover preview reads it").isEqualTo(BURST);

        List<ClusterInventory> sent = inventoriesSentBy("east", before);
        System.out.printf("%d endpoint changes in %d ms became %d inventory record(s) from east%n", BURST, burstMillis,
                sent.size());
        // At most one record per 100 ms coalescing interval, plus the one the first change sends at once.
        assertThat(sent.size()).isBetween(1, (int) (burstMillis / 100) + 2);
        assertThat(sent.get(sent.size() - 1).getServices(0).getEndpointsCount()).isEqualTo(BURST);

        mesh.stack.stopAgent("west");
        kafka.close();
        ClusterAgent restarted = mesh.stack.restartAgent("west");
        assertThat(endpoints(restarted.remoteInventories().current().get("east")))
                .as("restored from the state directory while Kafka is stopped").isEqualTo(BURST);
    }

    private String register(String cluster) {
        return PolicyJson.parse(mesh.api.expectOk(mesh.api.post("/api/v1/tenants/" + TENANT + "/clusters",
                "{\"name\": \"" + cluster + "\"}"), "registering " + cluster).body()).path("bootstrapCredential").asText();
    }

    private static int endpoints(ClusterInventory inventory) {
        return inventory == null ? 0 : inventory.getServicesList().stream().mapToInt(InventoryService::getEndpointsCount).sum();
    }

    private DSLContext db() {
        return DSL.using(mesh.database.dataSource(), SQLDialect.POSTGRES);
    }

    private KafkaConsumer<String, byte[]> statusTopicReader() {
        return new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"), new StringDeserializer(), new ByteArrayDeserializer());
    }

    private TopicPartition statusPartition() {
        return new TopicPartition(KafkaTopics.status(dev.fedmesh.testing.TestKafka.topicPrefix(getClass()), TENANT), 0);
    }

    private long endOffset() {
        try (KafkaConsumer<String, byte[]> consumer = statusTopicReader()) {
            return consumer.endOffsets(List.of(statusPartition())).get(statusPartition());
        }
    }

    /** The inventories {@code cluster}'s agent wrote to the status topic from {@code offset} to its end. */
    private List<ClusterInventory> inventoriesSentBy(String cluster, long offset) throws Exception {
        List<ClusterInventory> sent = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = statusTopicReader()) {
            long end = consumer.endOffsets(List.of(statusPartition())).get(statusPartition());
            consumer.assign(List.of(statusPartition()));
            consumer.seek(statusPartition(), offset);
            while (consumer.position(statusPartition()) < end) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    Header kind = record.headers().lastHeader(KafkaTopics.RECORD_KIND_HEADER);
                    if (cluster.equals(record.key()) && kind != null && KafkaTopics.INVENTORY_RECORD_KIND.equals(
                            new String(kind.value(), StandardCharsets.UTF_8))) {
                        sent.add(ClusterInventory.parseFrom(record.value()));
                    }
                }
            }
        }
        return sent;
    }
}

package dev.fedmesh.agent.federation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fedmesh.api.KafkaClientSecurity;
import dev.fedmesh.api.KafkaTopics;
import dev.fedmesh.api.v1.ClusterInventory;
import dev.fedmesh.api.v1.InventoryEndpoint;
import dev.fedmesh.api.v1.InventoryEnvelope;
import dev.fedmesh.api.v1.InventoryService;
import dev.fedmesh.testing.FreePort;
import dev.fedmesh.testing.TestKafka;
import dev.fedmesh.trust.signing.ConfigSigningKey;
import dev.fedmesh.trust.signing.ConfigVerifier;
import dev.fedmesh.trust.signing.InventorySignatures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agent following its tenant's inventory topic on a real broker: it holds the newest verified
 * inventory of every other cluster, refuses what the control plane did not sign or what speaks for
 * another cluster or tenant without forgetting anything, forgets a cluster only on its tombstone,
 * and serves what it held from its state directory when it starts while Kafka does not answer.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RemoteInventoriesTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private final ConfigSigningKey controlPlane = ConfigSigningKey.generate();
    private final ConfigSigningKey stranger = ConfigSigningKey.generate();
    private String prefix;
    private KafkaProducer<String, byte[]> producer;

    @TempDir
    Path state;

    @BeforeAll
    void connect() {
        prefix = TestKafka.topicPrefix(getClass());
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                TestKafka.broker().bootstrapServers()), new StringSerializer(), new ByteArraySerializer());
    }

    @AfterAll
    void close() {
        producer.close();
    }

    @Test
    void westHoldsTheNewestVerifiedInventoryOfEveryOtherClusterAndNothingForged() throws Exception {
        String tenant = "acme";
        createTopic(tenant);
        Instant now = Instant.now();
        publish(tenant, "east", signed(inventory(tenant, "east", 2, "10.0.0.1", "10.0.0.2"), now));
        publish(tenant, "west", signed(inventory(tenant, "west", 1, "10.9.9.9"), now));
        List<Map<String, ClusterInventory>> told = new CopyOnWriteArrayList<>();

        try (RemoteInventories west = remote(tenant, "west", TestKafka.broker().bootstrapServers(), state)) {
            west.addListener(told::add);
            west.start();
            await(() -> west.current().containsKey("east"), "east's inventory held");
            assertThat(hosts(west.current().get("east"))).containsExactly("10.0.0.1", "10.0.0.2");
            assertThat(west.current()).as("its own cluster is left out").doesNotContainKey("west");
            assertThat(told.get(0)).as("told at once, before anything was read").isEmpty();
            assertThat(told.get(told.size() - 1)).containsKey("east");

            // Older than the one held, signed by a stranger, signed for another cluster, or of another tenant:
            // none changes what west holds. The last honest one, newer, shows they were all read.
            publish(tenant, "east", signed(inventory(tenant, "east", 1, "10.0.0.66"), now.minusSeconds(60)));
            publish(tenant, "east", InventorySignatures.seal(inventory(tenant, "east", 3, "6.6.6.6").toByteArray(),
                    now.plusSeconds(1), stranger).toByteArray());
            publish(tenant, "east", signed(inventory(tenant, "north", 3, "6.6.6.7"), now.plusSeconds(2)));
            publish(tenant, "east", signed(inventory("globex", "east", 3, "6.6.6.8"), now.plusSeconds(3)));
            publish(tenant, "east", "not an envelope".getBytes());
            publish(tenant, "north", signed(inventory(tenant, "north", 1, "10.1.0.1"), now.plusSeconds(4)));
            await(() -> west.current().containsKey("north"), "north's inventory held");

            assertThat(hosts(west.current().get("east"))).as("east as the newest genuine record says")
                    .containsExactly("10.0.0.1", "10.0.0.2");
            assertThat(west.refusedRecords()).isEqualTo(4);

            publish(tenant, "north", null);
            await(() -> !west.current().containsKey("north"), "north forgotten on its tombstone");
            assertThat(west.current()).containsOnlyKeys("east");
        }
    }

    @Test
    void aReSendOfUnchangedEndpointsIsHeldAsTheNewestRecordButTellsNoListener() throws Exception {
        String tenant = "resend";
        createTopic(tenant);
        Instant now = Instant.now();
        publish(tenant, "east", signed(inventory(tenant, "east", 1, "10.0.0.1"), now));
        List<Map<String, ClusterInventory>> told = new CopyOnWriteArrayList<>();

        try (RemoteInventories west = remote(tenant, "west", TestKafka.broker().bootstrapServers(), state)) {
            west.addListener(told::add);
            west.start();
            await(() -> west.current().containsKey("east"), "east's inventory held");
            int toldBefore = told.size();

            // The same endpoints, re-sent (a later generation and record), then a real change.
            publish(tenant, "east", signed(inventory(tenant, "east", 2, "10.0.0.1"), now.plusSeconds(30)));
            await(() -> west.current().get("east").getGeneration() == 2, "east's re-sent record held");
            publish(tenant, "east", signed(inventory(tenant, "east", 3, "10.0.0.2"), now.plusSeconds(31)));
            await(() -> hosts(west.current().get("east")).equals(List.of("10.0.0.2")), "east's change held");
            await(() -> told.size() > toldBefore, "the change told");

            assertThat(told.subList(toldBefore, told.size())).as("told of the change, never of the re-send alone")
                    .allMatch(map -> hosts(map.get("east")).equals(List.of("10.0.0.2")));
        }
    }

    @Test
    void anAgentStartingWhileKafkaDoesNotAnswerServesTheInventoriesItHeld() throws Exception {
        String tenant = "initech";
        createTopic(tenant);
        publish(tenant, "east", signed(inventory(tenant, "east", 5, "10.2.0.1", "10.2.0.2", "10.2.0.3"), Instant.now()));
        Path agentState = Files.createDirectories(state.resolve("restore"));
        try (RemoteInventories west = remote(tenant, "west", TestKafka.broker().bootstrapServers(), agentState)) {
            west.start();
            await(() -> west.current().containsKey("east"), "east's inventory held");
        }
        assertThat(agentState.resolve(tenant).resolve("west").resolve(RemoteInventories.FILE_NAME)).exists();

        String nothingListens = "127.0.0.1:" + FreePort.find();
        try (RemoteInventories restarted = remote(tenant, "west", nothingListens, agentState)) {
            List<Map<String, ClusterInventory>> told = new CopyOnWriteArrayList<>();
            restarted.start();
            restarted.addListener(told::add);

            assertThat(restarted.current()).containsOnlyKeys("east");
            assertThat(hosts(restarted.current().get("east"))).containsExactly("10.2.0.1", "10.2.0.2", "10.2.0.3");
            assertThat(told).singleElement().satisfies(map -> assertThat(map).containsOnlyKeys("east"));
            Thread.sleep(1_500);
            assertThat(restarted.current()).as("Kafka not answering forgets nothing").containsOnlyKeys("east");
        }
    }

    @Test
    void aKeptFileSignedByAKeyNoLongerTrustedIsNotServed() throws Exception {
        String tenant = "hooli";
        createTopic(tenant);
        publish(tenant, "east", signed(inventory(tenant, "east", 1, "10.3.0.1"), Instant.now()));
        Path agentState = Files.createDirectories(state.resolve("rotated"));
        try (RemoteInventories west = remote(tenant, "west", TestKafka.broker().bootstrapServers(), agentState)) {
            west.start();
            await(() -> west.current().containsKey("east"), "east's inventory held");
        }
        try (RemoteInventories restarted = new RemoteInventories("127.0.0.1:" + FreePort.find(),
                KafkaClientSecurity.plaintext(), prefix, tenant, "west", ConfigVerifier.trusting(stranger.publicKey()),
                agentState)) {
            restarted.start();
            assertThat(restarted.current()).isEmpty();
        }
    }

    @Test
    void aDamagedKeptFileIsMovedAsideAndTheAgentStartsEmpty() throws Exception {
        Path agentState = Files.createDirectories(state.resolve("damaged"));
        Path kept = Files.createDirectories(agentState.resolve("umbrella").resolve("west"))
                .resolve(RemoteInventories.FILE_NAME);
        Files.write(kept, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1, 2});

        try (RemoteInventories west = remote("umbrella", "west", "127.0.0.1:" + FreePort.find(), agentState)) {
            west.start();

            assertThat(west.current()).isEmpty();
            assertThat(kept.resolveSibling(RemoteInventories.FILE_NAME + ".damaged")).exists();
            assertThat(kept).doesNotExist();
        }
    }

    private RemoteInventories remote(String tenant, String cluster, String kafka, Path stateDirectory) {
        return new RemoteInventories(kafka, KafkaClientSecurity.plaintext(), prefix, tenant, cluster,
                ConfigVerifier.trusting(controlPlane.publicKey()), stateDirectory);
    }

    private byte[] signed(ClusterInventory inventory, Instant reportedAt) {
        InventoryEnvelope envelope = InventorySignatures.seal(inventory.toByteArray(), reportedAt, controlPlane);
        return envelope.toByteArray();
    }

    static ClusterInventory inventory(String tenant, String cluster, long generation, String... hosts) {
        InventoryService.Builder greeter = InventoryService.newBuilder().setName("greeter");
        for (String host : hosts) {
            greeter.addEndpoints(InventoryEndpoint.newBuilder().setHost(host).setPort(50051).putLabels("version", "v1"));
        }
        return ClusterInventory.newBuilder().setTenant(tenant).setCluster(cluster).setGeneration(generation)
                .addServices(greeter).build();
    }

    private static List<String> hosts(ClusterInventory inventory) {
        return inventory.getServicesList().stream().flatMap(service -> service.getEndpointsList().stream())
                .map(InventoryEndpoint::getHost).toList();
    }

    private void createTopic(String tenant) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                TestKafka.broker().bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(KafkaTopics.inventory(prefix, tenant), 1, (short) 1)))
                    .all().get(30, TimeUnit.SECONDS);
        }
    }

    private void publish(String tenant, String cluster, byte[] value) throws Exception {
        producer.send(new ProducerRecord<>(KafkaTopics.inventory(prefix, tenant), cluster, value)).get(30, TimeUnit.SECONDS);
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what + " within " + PATIENCE.toSeconds() + " s").isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}

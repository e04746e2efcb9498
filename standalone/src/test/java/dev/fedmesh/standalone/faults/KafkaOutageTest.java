package dev.fedmesh.standalone.faults;

import dev.fedmesh.standalone.Await;
import dev.fedmesh.agent.ClusterAgent;
import dev.fedmesh.testing.EmbeddedKafka;
import dev.fedmesh.testing.TestDatabase;
import dev.fedmesh.testing.TestKafka;
import dev.fedmesh.testing.TestPostgres;
import io.grpc.ManagedChannel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Kafka broker stops and starts again on the same port and log directory: changes made
 * through the API meanwhile reach every cluster once it is back, and an agent restarted while it
 * was down serves its last-known-good config at once and catches up after. Runs a broker of its
 * own, since it stops it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KafkaOutageTest {
    private static final List<String> CLUSTERS = List.of("east", "west", "north");
    private static final Duration OUTAGE = Duration.ofSeconds(20);

    @TempDir
    static Path work;

    private Path kafkaLogs;
    private int kafkaPort;
    private EmbeddedKafka kafka;
    private MeshUnderTest mesh;

    @BeforeAll
    void startTheMeshOnABrokerOfItsOwn() {
        kafkaLogs = work.resolve("kafka");
        kafka = EmbeddedKafka.start(kafkaLogs, 0);
        kafkaPort = Integer.parseInt(kafka.bootstrapServers().replaceAll(".*:", ""));
        TestDatabase database = TestPostgres.newDatabase(getClass());
        mesh = new MeshUnderTest(new MeshUnderTest.Servers(database.jdbcUrl(), database.username(), database.password(),
                kafka.bootstrapServers(), TestKafka.topicPrefix(getClass())), CLUSTERS, work.resolve("agents"));
        mesh.startApi();
        mesh.startDistributor();
        mesh.registerTenantAndClusters();
        mesh.startGreeters();
        mesh.startAgents();
        mesh.awaitEveryCluster(mesh.routeAllTo("v1"));
    }

    @AfterAll
    void stopEverything() {
        if (mesh != null) {
            mesh.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void changesMadeWhileTheBrokerWasDownReachEveryClusterWhenItIsBack() {
        kafka.close();
        long stopped = System.nanoTime();
        long latest = -1;
        String version = "v1";
        while (System.nanoTime() - stopped < OUTAGE.toNanos()) {
            version = version.equals("v1") ? "v2" : "v1";
            latest = mesh.routeAllTo(version);
            Await.pause(Duration.ofSeconds(4));
        }
        assertThat(mesh.lowestAppliedRevision()).as("no cluster can have the changes while Kafka is down").isLessThan(latest);

        kafka = EmbeddedKafka.start(kafkaLogs, kafkaPort);
        long restarted = System.nanoTime();
        String fault = "Kafka was down for " + OUTAGE.toSeconds() + " s";
        mesh.awaitConvergence(fault, latest, restarted);
        mesh.awaitApiShowsEveryClusterInSync(fault, latest, restarted);
        String expected = version;
        for (String cluster : CLUSTERS) {
            ManagedChannel client = mesh.newClient(cluster);
            Await.until(() -> expected.equals(MeshUnderTest.versionAnswering(client)), cluster + " to route to " + expected);
        }
    }

    @Test
    void anAgentRestartedWhileKafkaIsDownServesItsLastKnownGoodConfigAndCatchesUpAfter() {
        long served = mesh.routeAllTo("v2");
        mesh.awaitEveryCluster(served);
        kafka.close();
        mesh.stopAgent("east");
        long madeWhileAway = mesh.routeAllTo("v1");

        ClusterAgent east = mesh.startAgent("east");
        assertThat(east.appliedRevision()).as("east serves its last-known-good revision from the start").isEqualTo(served);
        ManagedChannel client = mesh.newClient("east");
        assertThat(MeshUnderTest.sample(client, 20)).as("a new client of east, Kafka still down").containsOnlyKeys("v2");

        kafka = EmbeddedKafka.start(kafkaLogs, kafkaPort);
        long restarted = System.nanoTime();
        String fault = "an agent restarted while Kafka was down (from Kafka's return)";
        mesh.awaitConvergence(fault, madeWhileAway, restarted);
        mesh.awaitApiShowsEveryClusterInSync(fault, madeWhileAway, restarted);
        Await.until(() -> "v1".equals(MeshUnderTest.versionAnswering(client)), "east's client to follow the change made while it was away");
    }
}

package dev.fedmesh.standalone.faults;

import dev.fedmesh.standalone.Await;
import dev.fedmesh.testing.EmbeddedKafka;
import dev.fedmesh.testing.TestDatabase;
import dev.fedmesh.testing.TestKafka;
import dev.fedmesh.testing.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Control-plane reachability and data-plane health are separate facts. greeter runs in east and
 * south, none in west; west's client calls it without pause and is served by both. With the whole
 * control plane stopped (API, distributor, Kafka), east's agent has lost Kafka but its workloads
 * answer, so west keeps sending to east. Then east goes dark, agent and workloads, with the control
 * plane still down: west's agent finds it by its own probes and west's callers are served by south
 * alone. Runs a broker of its own, since it stops it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterGoesDarkTest {
    private static final List<String> CLUSTERS = List.of("east", "south", "west");

    @TempDir
    static Path work;

    private EmbeddedKafka kafka;
    private MeshUnderTest mesh;
    private CallRecorder westCalls;

    @BeforeAll
    void startThreeClustersOnABrokerOfTheirOwn() {
        kafka = EmbeddedKafka.start(work.resolve("kafka"), 0);
        TestDatabase database = TestPostgres.newDatabase(getClass());
        mesh = new MeshUnderTest(new MeshUnderTest.Servers(database.jdbcUrl(), database.username(), database.password(),
                kafka.bootstrapServers(), TestKafka.topicPrefix(getClass())), CLUSTERS, work.resolve("agents"));
        mesh.startApi();
        mesh.startDistributor();
        mesh.registerTenantAndClusters(Map.of());
        mesh.startGreeters("east", List.of("v1", "v1"));
        mesh.startGreeters("south", List.of("v1", "v1"));
        mesh.startAgents();
        mesh.awaitEveryCluster(mesh.routeAllTo("v1"));
        westCalls = new CallRecorder("west", mesh.newClient("west"));
        long start = System.nanoTime();
        Await.until(() -> {
            Map<String, Integer> counts = westCalls.countsSince(start);
            return counts.getOrDefault("east", 0) > 50 && counts.getOrDefault("south", 0) > 50;
        }, () -> "west's calls to be served by both east and south: " + westCalls.countsSince(start));
    }

    @AfterAll
    void stopEverything() {
        if (westCalls != null) {
            westCalls.close();
        }
        if (mesh != null) {
            mesh.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    @Order(1)
    void withTheControlPlaneStoppedEastsWorkloadsKeepTheirTraffic() {
        mesh.stopDistributor();
        mesh.stopApi();
        kafka.close();
        long stopped = System.nanoTime();
        // Longer than every probe window and inventory re-send the agents have.
        Await.pause(Duration.ofSeconds(10));
        Map<String, Integer> counts = westCalls.countsSince(stopped);
        System.out.println("control plane stopped for 10 s: west's calls " + counts);
        assertThat(counts).doesNotContainKey(CallRecorder.FAILED);
        assertThat(counts.getOrDefault("east", 0)).as("calls east served with its agent off Kafka").isGreaterThan(100);
        assertThat(mesh.agent("west").unreachableClusters()).isEmpty();
    }

    @Test
    @Order(2)
    void whenEastGoesDarkWithTheControlPlaneDownWestsCallersAreServedBySouth() {
        long fault = System.nanoTime();
        mesh.stopAgent("east");
        mesh.stopGreeters("east", 2);
        Await.until(() -> westCalls.lastServedBy(fault, 200, "south"),
                () -> "west's calls to be served by south alone: " + westCalls.countsSince(fault));
        CallRecorder.Switch away = westCalls.switchTo(fault, "south");
        System.out.println("east went dark: west's calls served by south alone " + away.millis() + " ms after the fault, "
                + away.failedCalls() + " of " + away.callsBefore() + " calls before failed");
        Await.until(() -> mesh.agent("west").unreachableClusters().contains("east"),
                () -> "west's agent to find east unreachable by its probes: " + mesh.agent("west").unreachableClusters());
    }
}

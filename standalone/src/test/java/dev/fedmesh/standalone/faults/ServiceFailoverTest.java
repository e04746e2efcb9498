package dev.fedmesh.standalone.faults;

import dev.fedmesh.agent.ClusterAgent;
import dev.fedmesh.api.v1.EndpointHealth;
import dev.fedmesh.api.v1.InventoryEndpoint;
import dev.fedmesh.api.v1.InventoryService;
import dev.fedmesh.standalone.Await;
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
 * A service's endpoints fail in one cluster and its callers there are served by another, with real
 * grpc-java xDS clients and servers, real PostgreSQL and Kafka. east runs four greeters and west
 * two, in two zones of one region; the client calls greeter in east without pause. Each step prints
 * the time from the fault to the traffic served elsewhere and the calls that failed meanwhile.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServiceFailoverTest {
    private static final List<String> CLUSTERS = List.of("east", "west");

    @TempDir
    static Path work;

    private MeshUnderTest mesh;
    private CallRecorder eastCalls;

    @BeforeAll
    void startTwoClustersInTwoZones() {
        TestDatabase database = TestPostgres.newDatabase(getClass());
        mesh = new MeshUnderTest(new MeshUnderTest.Servers(database.jdbcUrl(), database.username(), database.password(),
                TestKafka.broker().bootstrapServers(), TestKafka.topicPrefix(getClass())), CLUSTERS, work.resolve("agents"));
        mesh.startApi();
        mesh.startDistributor();
        mesh.registerTenantAndClusters(Map.of(
                "east", "\"region\": \"us-east1\", \"zone\": \"us-east1-b\"",
                "west", "\"region\": \"us-east1\", \"zone\": \"us-east1-c\""));
        mesh.startGreeters("east", List.of("v1", "v1", "v1", "v1"));
        mesh.startGreeters("west", List.of("v1", "v1"));
        mesh.startAgents();
        mesh.awaitEveryCluster(mesh.routeAllTo("v1"));
        eastCalls = new CallRecorder("east", mesh.newClient("east"));
        long start = System.nanoTime();
        Await.until(() -> eastCalls.lastServedBy(start, 50, "east"), () -> "east's calls to be served by east: "
                + eastCalls.countsSince(start));
    }

    @AfterAll
    void stopEverything() {
        if (eastCalls != null) {
            eastCalls.close();
        }
        if (mesh != null) {
            mesh.close();
        }
    }

    @Test
    @Order(1)
    void whenEveryGreeterOfEastDiesEastsCallersAreServedByWestThenByEastAgain() {
        long fault = System.nanoTime();
        mesh.stopGreeters("east", 4);
        Await.until(() -> eastCalls.lastServedBy(fault, 200, "west"),
                () -> "east's calls to be served by west: " + eastCalls.countsSince(fault));
        CallRecorder.Switch away = eastCalls.switchTo(fault, "west");
        System.out.println("east's greeters died: east's calls served by west " + away.millis() + " ms after the fault, "
                + away.failedCalls() + " of " + away.callsBefore() + " calls before failed");

        long back = System.nanoTime();
        mesh.restartGreeters("east");
        Await.until(() -> eastCalls.lastServedBy(back, 200, "east"),
                () -> "east's calls to come back to east: " + eastCalls.countsSince(back));
        CallRecorder.Switch home = eastCalls.switchTo(back, "east");
        System.out.println("east's greeters returned: east's calls served by east again " + home.millis()
                + " ms after, " + home.failedCalls() + " calls failed");
        // No flapping: once back, traffic stays home.
        long settled = System.nanoTime();
        Await.pause(Duration.ofSeconds(3));
        assertThat(eastCalls.countsSince(settled)).containsOnlyKeys("east");
    }

    @Test
    @Order(2)
    void aFailoverThresholdOfFiftyKeepsTrafficWithThreeOfFourAndMovesItWithOne() {
        long revision = MeshUnderTest.revisionOf(mesh.api().expectOk(mesh.api().put(
                "/api/v1/tenants/" + MeshUnderTest.TENANT + "/policies/greeter-failover", """
                        {"kind": "Failover", "target": {"service": "greeter"},
                         "spec": {"order": [{"cluster": "west"}], "healthyPercentThreshold": 50}}"""),
                "setting greeter's failover"));
        mesh.awaitEveryCluster(revision);

        long oneDown = System.nanoTime();
        mesh.stopGreeters("east", 1);
        Await.until(() -> unhealthyLocalGreeters(mesh.agent("east")) == 1,
                () -> "east's agent to see one of its greeters unhealthy");
        long seen = System.nanoTime();
        Await.pause(Duration.ofSeconds(2));
        assertThat(eastCalls.countsSince(seen)).as("3 of 4 healthy is above the 50% threshold").containsOnlyKeys("east");

        long threeDown = System.nanoTime();
        mesh.stopGreeters("east", 3);
        Await.until(() -> eastCalls.lastServedBy(threeDown, 200, "west"),
                () -> "east's calls to be served by west with 1 of 4 healthy: " + eastCalls.countsSince(threeDown));
        CallRecorder.Switch away = eastCalls.switchTo(threeDown, "west");
        System.out.println("threshold 50, 1 of 4 healthy: east's calls served by west " + away.millis()
                + " ms after the fault, " + away.failedCalls() + " calls failed (" + (threeDown - oneDown) / 1_000_000
                + " ms after the first greeter stopped)");

        mesh.restartGreeters("east");
        long back = System.nanoTime();
        Await.until(() -> eastCalls.lastServedBy(back, 200, "east"),
                () -> "east's calls to come back to east: " + eastCalls.countsSince(back));
    }

    @Test
    @Order(3)
    void aSplitPinnedToWestReachesWestsEndpoints() {
        long revision = MeshUnderTest.revisionOf(mesh.api().expectOk(mesh.api().put(
                "/api/v1/tenants/" + MeshUnderTest.TENANT + "/policies/greeter-split", """
                        {"kind": "TrafficRoute", "target": {"service": "greeter"},
                         "spec": {"split": [{"subset": {"version": "v1"}, "cluster": "west", "weight": 100}]}}"""),
                "pinning greeter's traffic to west"));
        long change = System.nanoTime();
        mesh.awaitEveryCluster(revision);
        Await.until(() -> eastCalls.lastServedBy(change, 100, "west"),
                () -> "east's calls to be served by west's endpoints: " + eastCalls.countsSince(change));
        assertThat(eastCalls.since(change)).noneMatch(call -> call.servedBy().equals(CallRecorder.FAILED));
    }

    private static long unhealthyLocalGreeters(ClusterAgent agent) {
        return agent.inventory().snapshot(MeshUnderTest.TENANT, agent.settings().cluster()).getServicesList().stream()
                .filter(service -> service.getName().equals("greeter"))
                .map(InventoryService::getEndpointsList)
                .flatMap(List::stream)
                .map(InventoryEndpoint::getHealth)
                .filter(health -> health == EndpointHealth.ENDPOINT_HEALTH_UNHEALTHY)
                .count();
    }
}

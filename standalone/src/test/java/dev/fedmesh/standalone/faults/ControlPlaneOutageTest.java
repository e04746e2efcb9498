package dev.fedmesh.standalone.faults;

import dev.fedmesh.standalone.Await;
import dev.fedmesh.standalone.ApiClient;
import dev.fedmesh.testing.EmbeddedKafka;
import dev.fedmesh.testing.EmbeddedPostgres;
import dev.fedmesh.testing.TestKafka;
import io.grpc.ManagedChannel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * PostgreSQL stops and starts again with its data on the same port: the API answers clear errors
 * meanwhile and the distributor recovers by itself. And the whole control plane — API,
 * distributor, Kafka and PostgreSQL — goes away: the data plane does not notice. Runs a database
 * and a broker of its own, since it stops them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ControlPlaneOutageTest {
    private static final List<String> CLUSTERS = List.of("east", "west");
    private static final Duration OUTAGE = Duration.ofSeconds(10);

    @TempDir
    static Path work;

    private Path postgresData;
    private int postgresPort;
    private EmbeddedPostgres postgres;
    private Path kafkaLogs;
    private int kafkaPort;
    private EmbeddedKafka kafka;
    private MeshUnderTest mesh;
    private final Map<String, ManagedChannel> clients = new TreeMap<>();

    @BeforeAll
    void startTheMeshOnServersOfItsOwn() {
        postgresData = work.resolve("postgres");
        postgres = EmbeddedPostgres.start(postgresData, 0);
        postgresPort = postgres.port();
        kafkaLogs = work.resolve("kafka");
        kafka = EmbeddedKafka.start(kafkaLogs, 0);
        kafkaPort = Integer.parseInt(kafka.bootstrapServers().replaceAll(".*:", ""));
        mesh = new MeshUnderTest(new MeshUnderTest.Servers(postgres.createDatabase("fedmesh"), postgres.username(),
                postgres.password(), kafka.bootstrapServers(), TestKafka.topicPrefix(getClass())), CLUSTERS,
                work.resolve("agents"));
        mesh.startApi();
        mesh.startDistributor();
        mesh.registerTenantAndClusters();
        mesh.startGreeters();
        mesh.startAgents();
        mesh.awaitEveryCluster(mesh.routeAllTo("v1"));
        CLUSTERS.forEach(cluster -> clients.put(cluster, mesh.newClient(cluster)));
    }

    @AfterAll
    void stopEverything() {
        if (mesh != null) {
            mesh.close();
        }
        if (kafka != null) {
            kafka.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void whilePostgresIsDownTheApiAnswersClearErrorsAndAfterItReturnsAChangeConverges() {
        String next = "v1".equals(MeshUnderTest.versionAnswering(clients.get("east"))) ? "v2" : "v1";
        postgres.close();
        long stopped = System.nanoTime();
        // Past the moment the pool's connections break: from here on no connection can be opened.
        Await.pause(Duration.ofSeconds(1));
        long asked = System.nanoTime();
        ApiClient.Answer read = mesh.api().get("/api/v1/tenants/" + MeshUnderTest.TENANT + "/policies");
        long readIn = (System.nanoTime() - asked) / 1_000_000;
        asked = System.nanoTime();
        ApiClient.Answer write = writeRoute(next);
        System.out.println("While PostgreSQL was down the API answered a read in " + readIn + " ms and a write in "
                + (System.nanoTime() - asked) / 1_000_000 + " ms: " + read.status() + " " + read.body()
                + " / " + write.status() + " " + write.body());
        for (ApiClient.Answer answer : List.of(read, write)) {
            assertThat(answer.status()).isEqualTo(503);
            assertThat(answer.body()).contains("\"code\":\"database_unavailable\"", "\"message\"")
                    .doesNotContain(mesh.adminToken(), "jdbc:", "localhost:" + postgresPort, "password", "Exception", "SQL",
                            "at org.", "at dev.");
        }
        Await.pause(OUTAGE.minusNanos(System.nanoTime() - stopped));

        postgres = EmbeddedPostgres.start(postgresData, postgresPort);
        long restarted = System.nanoTime();
        long downSeconds = Math.round((restarted - stopped) / 1e9);
        AtomicReference<ApiClient.Answer> change = new AtomicReference<>();
        Await.until(() -> {
            change.set(writeRoute(next));
            return change.get().status() == 200;
        }, () -> "the API to accept a write again, with no operator action; last answer: " + change.get());
        long revision = MeshUnderTest.revisionOf(change.get());
        System.out.println("The API accepted a write " + (System.nanoTime() - restarted) / 1_000_000
                + " ms after PostgreSQL was back");
        String fault = "PostgreSQL was down for " + downSeconds + " s (from its return)";
        mesh.awaitConvergence(fault, revision, restarted);
        mesh.awaitApiShowsEveryClusterInSync(fault, revision, restarted);
        CLUSTERS.forEach(cluster -> Await.until(() -> next.equals(MeshUnderTest.versionAnswering(clients.get(cluster))),
                cluster + "'s client to follow the change"));
    }

    @Test
    void aWholeControlPlaneOutageChangesNothingInTheDataPlane() {
        String routed = "v1".equals(MeshUnderTest.versionAnswering(clients.get("east"))) ? "v2" : "v1";
        long served = mesh.routeAllTo(routed);
        mesh.awaitEveryCluster(served);
        CLUSTERS.forEach(cluster -> Await.until(() -> routed.equals(MeshUnderTest.versionAnswering(clients.get(cluster))),
                cluster + "'s client to be routed to " + routed));

        mesh.stopApi();
        mesh.stopDistributor();
        kafka.close();
        postgres.close();
        long down = System.nanoTime();
        int calls = 0;
        while (System.nanoTime() - down < OUTAGE.toNanos()) {
            for (String cluster : CLUSTERS) {
                assertThat(MeshUnderTest.sample(clients.get(cluster), 10)).as(cluster + " with the control plane down")
                        .containsOnlyKeys(routed);
                calls += 10;
            }
            assertThat(mesh.appliedRevisions().values()).containsOnly(served);
            Await.pause(Duration.ofMillis(200));
        }
        for (String cluster : CLUSTERS) {
            ManagedChannel newcomer = mesh.newClient(cluster);
            assertThat(MeshUnderTest.sample(newcomer, 10)).as("a client of " + cluster + " started during the outage")
                    .containsOnlyKeys(routed);
        }
        System.out.println("With the whole control plane down for " + OUTAGE.toSeconds() + " s, " + calls
                + " calls were all routed as before");

        postgres = EmbeddedPostgres.start(postgresData, postgresPort);
        kafka = EmbeddedKafka.start(kafkaLogs, kafkaPort);
        mesh.startDistributor();
        mesh.startApi();
        String next = routed.equals("v1") ? "v2" : "v1";
        long changed = System.nanoTime();
        long revision = mesh.routeAllTo(next);
        String fault = "the whole control plane was down (from the first change after its return)";
        mesh.awaitConvergence(fault, revision, changed);
        mesh.awaitApiShowsEveryClusterInSync(fault, revision, changed);
        CLUSTERS.forEach(cluster -> Await.until(() -> next.equals(MeshUnderTest.versionAnswering(clients.get(cluster))),
                cluster + "'s client to follow the change"));
    }

    private ApiClient.Answer writeRoute(String version) {
        int v1 = version.equals("v1") ? 100 : 0;
        return mesh.api().put("/api/v1/tenants/" + MeshUnderTest.TENANT + "/policies/greeter-split", """
                {"kind": "TrafficRoute", "target": {"service": "greeter"},
                 "spec": {"split": [{"subset": {"version": "v1"}, "weight": %d},
                                    {"subset": {"version": "v2"}, "weight": %d}]}}""".formatted(v1, 100 - v1));
    }
}

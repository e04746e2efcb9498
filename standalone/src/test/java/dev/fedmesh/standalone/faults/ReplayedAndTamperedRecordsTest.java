package dev.fedmesh.standalone.faults;

import dev.fedmesh.standalone.Await;
import dev.fedmesh.api.KafkaTopics;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.DesiredConfigEnvelope;
import dev.fedmesh.testing.TestDatabase;
import dev.fedmesh.testing.TestKafka;
import dev.fedmesh.testing.TestPostgres;
import io.grpc.ManagedChannel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Records that reach an agent's desired topic other than as the distributor's newest signed
 * config — a duplicate, an older one, one whose bytes were changed — never move the cluster
 * backwards nor off the config it serves; the next valid change still converges.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReplayedAndTamperedRecordsTest {
    private static final List<String> CLUSTERS = List.of("east", "west");

    @TempDir
    static Path agentState;

    private MeshUnderTest mesh;
    private DesiredTopic topic;
    private final Map<String, ManagedChannel> clients = new TreeMap<>();

    @BeforeAll
    void startTheMesh() {
        TestDatabase database = TestPostgres.newDatabase(getClass());
        String prefix = TestKafka.topicPrefix(getClass());
        mesh = new MeshUnderTest(new MeshUnderTest.Servers(database.jdbcUrl(), database.username(), database.password(),
                TestKafka.broker().bootstrapServers(), prefix), CLUSTERS, agentState);
        mesh.startApi();
        mesh.startDistributor();
        mesh.registerTenantAndClusters();
        mesh.startGreeters();
        mesh.startAgents();
        mesh.awaitEveryCluster(mesh.routeAllTo("v1"));
        topic = new DesiredTopic(TestKafka.broker().bootstrapServers(), KafkaTopics.desired(prefix, MeshUnderTest.TENANT));
        CLUSTERS.forEach(cluster -> clients.put(cluster, mesh.newClient(cluster)));
    }

    @AfterAll
    void stopTheMesh() {
        if (topic != null) {
            topic.close();
        }
        if (mesh != null) {
            mesh.close();
        }
    }

    @Test
    void aDuplicateAndAnOlderRecordNeverMoveAClusterBackwards() throws IOException, InterruptedException {
        long older = mesh.routeAllTo("v1");
        mesh.awaitEveryCluster(older);
        long newest = mesh.routeAllTo("v2");
        mesh.awaitEveryCluster(newest);
        CLUSTERS.forEach(cluster -> Await.until(() -> "v2".equals(MeshUnderTest.versionAnswering(clients.get(cluster))),
                cluster + "'s client to be routed to v2"));
        Map<String, FileTime> savedAt = lastKnownGoodTimes();
        long refusedBefore = refusedRecords();

        AtomicLong lowestSeen = new AtomicLong(Long.MAX_VALUE);
        Thread watcher = watchLowestAppliedRevision(lowestSeen);
        for (String cluster : CLUSTERS) {
            topic.write(cluster, topic.recordOf(cluster, newest).bytes());
            topic.write(cluster, topic.recordOf(cluster, older).bytes());
            // A record every agent refuses and counts: once it is counted, the two before it were read.
            topic.write(cluster, "end of replay".getBytes());
        }
        Await.until(() -> refusedRecords() == refusedBefore + CLUSTERS.size(), "every agent to read the replayed records");
        watcher.interrupt();
        watcher.join();

        assertThat(lowestSeen.get()).as("lowest revision any agent served during the replay").isEqualTo(newest);
        assertThat(mesh.appliedRevisions()).containsOnly(Map.entry("east", newest), Map.entry("west", newest));
        assertThat(lastKnownGoodTimes()).as("last-known-good files untouched: the duplicate changed nothing")
                .isEqualTo(savedAt);
        for (String cluster : CLUSTERS) {
            assertThat(MeshUnderTest.sample(clients.get(cluster), 50)).as(cluster + "'s routing").containsOnlyKeys("v2");
        }

        long next = mesh.routeAllTo("v1");
        mesh.awaitConvergence("a duplicate and an older record", next, System.nanoTime());
        CLUSTERS.forEach(cluster -> Await.until(() -> "v1".equals(MeshUnderTest.versionAnswering(clients.get(cluster))),
                cluster + "'s client to follow the next change"));
    }

    @Test
    void aTamperedRecordIsRefusedReportedAndTheNextValidChangeConverges() {
        long current = mesh.routeAllTo("v2");
        mesh.awaitEveryCluster(current);
        CLUSTERS.forEach(cluster -> Await.until(() -> "v2".equals(MeshUnderTest.versionAnswering(clients.get(cluster))),
                cluster + "'s client to be routed to v2"));

        // Someone with write access to the topic raises the revision and moves all traffic to v1,
        // keeping the control plane's signature and digest.
        long refusedBefore = mesh.agent("east").refusedRecords();
        DesiredConfigEnvelope signed = envelope(topic.recordOf("east", current).bytes());
        DesiredConfig tampered = config(signed).toBuilder().setRevision(current + 1000).clearPolicies().build();
        topic.write("east", signed.toBuilder().setConfig(tampered.toByteString()).build().toByteArray());

        Await.until(() -> mesh.agent("east").refusedRecords() > refusedBefore, "east to refuse the tampered record");
        assertThat(mesh.agent("east").lastRefusal().get().reason().name()).isEqualTo("BAD_SIGNATURE");
        assertThat(mesh.appliedRevisions()).containsOnly(Map.entry("east", current), Map.entry("west", current));
        Await.until(() -> mesh.api().get("/api/v1/tenants/" + MeshUnderTest.TENANT + "/clusters/east/status").body()
                        .contains("BAD_SIGNATURE"),
                () -> "the API to show east's refusal: " + mesh.api().get("/api/v1/tenants/" + MeshUnderTest.TENANT
                        + "/clusters/east/status").body());
        assertThat(MeshUnderTest.sample(clients.get("east"), 50)).as("east keeps serving its last good config")
                .containsOnlyKeys("v2");

        long next = mesh.routeAllTo("v1");
        mesh.awaitConvergence("a tampered record", next, System.nanoTime());
        CLUSTERS.forEach(cluster -> Await.until(() -> "v1".equals(MeshUnderTest.versionAnswering(clients.get(cluster))),
                cluster + "'s client to follow the next valid change"));
    }

    private long refusedRecords() {
        return CLUSTERS.stream().mapToLong(cluster -> mesh.agent(cluster).refusedRecords()).sum();
    }

    private Thread watchLowestAppliedRevision(AtomicLong lowestSeen) {
        Thread watcher = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                lowestSeen.accumulateAndGet(mesh.lowestAppliedRevision(), Math::min);
                LockSupport.parkNanos(100_000);
            }
        }, "applied-revision-watcher");
        watcher.setDaemon(true);
        watcher.start();
        return watcher;
    }

    private Map<String, FileTime> lastKnownGoodTimes() throws IOException {
        Map<String, FileTime> times = new TreeMap<>();
        for (String cluster : CLUSTERS) {
            Path file = agentState.resolve(cluster).resolve(MeshUnderTest.TENANT).resolve(cluster + ".desired-config.pb");
            times.put(cluster, Files.getLastModifiedTime(file));
        }
        return times;
    }

    private static DesiredConfigEnvelope envelope(byte[] bytes) {
        try {
            return DesiredConfigEnvelope.parseFrom(bytes);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError("the distributor's record is not an envelope", e);
        }
    }

    private static DesiredConfig config(DesiredConfigEnvelope envelope) {
        try {
            return DesiredConfig.parseFrom(envelope.getConfig());
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError("the distributor's record holds no config", e);
        }
    }
}

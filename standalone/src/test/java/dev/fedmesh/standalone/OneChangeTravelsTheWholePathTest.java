package dev.fedmesh.standalone;

import dev.fedmesh.agent.ClusterAgent;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.sample.v1.GreeterGrpc;
import dev.fedmesh.sample.v1.HelloReply;
import dev.fedmesh.sample.v1.HelloRequest;
import dev.fedmesh.standalone.sample.GreeterServer;
import dev.fedmesh.testing.TestDatabase;
import dev.fedmesh.testing.TestKafka;
import dev.fedmesh.testing.TestPostgres;
import dev.fedmesh.testing.xds.ProxylessClients;
import io.grpc.ManagedChannel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole path with real parts: REST → PostgreSQL → outbox → distributor → Kafka → agents →
 * xDS → real proxyless gRPC clients calling real greeter backends in two clusters.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OneChangeTravelsTheWholePathTest {
    private static final List<String> CLUSTERS = List.of("east", "west");
    private static final String TENANT = "acme";
    private static final int SAMPLE = 1000;
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @TempDir
    static Path agentState;

    private final List<AutoCloseable> running = new ArrayList<>();
    private final Map<String, ManagedChannel> clients = new TreeMap<>();
    private FedmeshStack stack;
    private ApiClient api;

    @BeforeAll
    void startFedmeshWithTwoClusters() {
        TestDatabase database = TestPostgres.newDatabase(getClass());
        String token = "e2e-" + UUID.randomUUID();
        stack = FedmeshStack.start(new FedmeshStack.Options(database.jdbcUrl(), database.username(), database.password(),
                TestKafka.broker().bootstrapServers(), TestKafka.topicPrefix(getClass()), token, 0, 0, agentState));
        api = new ApiClient(stack.apiUrl(), token);
        api.expectOk(api.post("/api/v1/tenants", "{\"name\": \"" + TENANT + "\"}"), "creating the tenant");
        for (String cluster : CLUSTERS) {
            String credential = PolicyJson.parse(api.expectOk(api.post("/api/v1/tenants/" + TENANT + "/clusters",
                    "{\"name\": \"" + cluster + "\"}"), "registering " + cluster).body()).path("bootstrapCredential").asText();
            ClusterAgent agent = stack.startAgent(TENANT, cluster, credential);
            for (String version : List.of("v1", "v2")) {
                GreeterServer greeter = GreeterServer.start(cluster, version);
                running.add(greeter);
                agent.inventory().register(new ServiceEndpoint("greeter", "127.0.0.1", greeter.port(),
                        Map.of("version", version)));
            }
            clients.put(cluster, ProxylessClients.channel("127.0.0.1:" + agent.xdsPort(), "client-" + cluster, "greeter"));
        }
    }

    @AfterAll
    void stopEverything() throws Exception {
        clients.values().forEach(ProxylessClients::close);
        for (AutoCloseable component : running) {
            component.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void aWeightChangeThroughTheApiReachesRealXdsClientsInEveryCluster() {
        long first = applySplit(100, 0);
        awaitApplied(first);
        for (String cluster : CLUSTERS) {
            Map<String, Integer> before = sample(cluster, 200);
            assertThat(before).as("%s before the change", cluster).containsOnlyKeys("v1");
        }

        long answeredAt = System.nanoTime();
        long second = applySplit(20, 80);
        Map<String, Long> arrivedMillis = new TreeMap<>();
        for (String cluster : CLUSTERS) {
            GreeterGrpc.GreeterBlockingStub greeter = stub(cluster);
            await(() -> "v2".equals(call(greeter).getVersion()), cluster + "'s client to reach v2");
            arrivedMillis.put(cluster, (System.nanoTime() - answeredAt) / 1_000_000);
        }
        awaitApplied(second);

        for (String cluster : CLUSTERS) {
            Map<String, Integer> after = sample(cluster, SAMPLE);
            // Binomial(1000, 0.8): mean 800, sd 12.6; ±6 sd leaves no room for any other split.
            assertThat(after.getOrDefault("v2", 0)).as("%s v2 share of %d calls: %s", cluster, SAMPLE, after)
                    .isBetween(724, 876);
            assertThat(after.getOrDefault("v1", 0) + after.getOrDefault("v2", 0)).isEqualTo(SAMPLE);
        }
        System.out.println("Propagation, API 200 → first call answered by v2: " + arrivedMillis + " ms");

        await(() -> everyClusterReportsInSyncAt(second), "the API to show every cluster in sync at revision " + second);
        String status = api.get("/api/v1/tenants/" + TENANT + "/status").body();
        assertThat(status).contains("\"state\":\"SYNCED\"").doesNotContain("NACKED");
    }

    private boolean everyClusterReportsInSyncAt(long revision) {
        String status = api.get("/api/v1/tenants/" + TENANT + "/status").body();
        return CLUSTERS.stream().allMatch(cluster -> status.matches("(?s).*\"cluster\":\"" + cluster
                + "\",\"desiredRevision\":\"?" + revision + "\"?.*"))
                && !status.contains("\"inSync\":false");
    }

    private long applySplit(int v1, int v2) {
        ApiClient.Answer answer = api.expectOk(api.put("/api/v1/tenants/" + TENANT + "/policies/greeter-split", """
                {"kind": "TrafficRoute", "target": {"service": "greeter"},
                 "spec": {"split": [{"subset": {"version": "v1"}, "weight": %d},
                                    {"subset": {"version": "v2"}, "weight": %d}]}}""".formatted(v1, v2)), "applying the split");
        String version = answer.body().replaceAll(".*\"resourceVersion\":\"(\\d+)\".*", "$1");
        return Long.parseLong(version);
    }

    private void awaitApplied(long revision) {
        for (String cluster : CLUSTERS) {
            await(() -> stack.agent(cluster).appliedRevision() >= revision, cluster + " to apply revision " + revision);
        }
    }

    private Map<String, Integer> sample(String cluster, int calls) {
        GreeterGrpc.GreeterBlockingStub greeter = stub(cluster);
        Map<String, Integer> counts = new TreeMap<>();
        for (int i = 0; i < calls; i++) {
            HelloReply reply = call(greeter);
            assertThat(reply.getCluster()).isEqualTo(cluster);
            counts.merge(reply.getVersion(), 1, Integer::sum);
        }
        return counts;
    }

    private GreeterGrpc.GreeterBlockingStub stub(String cluster) {
        return GreeterGrpc.newBlockingStub(clients.get(cluster)).withWaitForReady();
    }

    private static HelloReply call(GreeterGrpc.GreeterBlockingStub greeter) {
        return greeter.withDeadlineAfter(10, TimeUnit.SECONDS).sayHello(HelloRequest.newBuilder().setName("test").build());
    }

    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited " + PATIENCE.toSeconds() + " s for " + what);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what, e);
            }
        }
    }
}

package dev.fedmesh.agent;

import static dev.fedmesh.agent.Configs.SERVICE;
import static dev.fedmesh.agent.Configs.greeterSplit;
import static org.assertj.core.api.Assertions.assertThat;

import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.api.v1.TrafficRouteMatch;
import dev.fedmesh.api.v1.TrafficRouteRule;
import dev.fedmesh.api.v1.TrafficRouteSpec;
import dev.fedmesh.api.v1.WeightedSubset;
import dev.fedmesh.testing.xds.ProxylessClients;
import dev.fedmesh.trust.signing.ConfigSigningKey;
import dev.fedmesh.trust.signing.ConfigVerifier;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The agent against a real proxyless gRPC xDS client and real gRPC backends, with Kafka
 * unreachable: configs come from the last-known-good file or a direct offer.
 */
class ClusterAgentXdsTest {

    private static final String TENANT = "acme";
    private static final String CLUSTER = "eu-west-1";
    private static final int CALLS = 1000;

    @TempDir
    Path stateDir;

    private Backend v1;
    private Backend v2;

    @BeforeEach
    void startBackends() {
        v1 = Backend.start("v1");
        v2 = Backend.start("v2");
    }

    @AfterEach
    void stopBackends() throws InterruptedException {
        v1.close();
        v2.close();
    }

    @Test
    void proxylessClientGetsTheTwentyEightySplit() throws Exception {
        try (ClusterAgent agent = ClusterAgent.start(settings())) {
            registerBackends(agent);
            assertThat(agent.offer(greeterSplit(TENANT, CLUSTER, 1, 20, 80))).isTrue();

            ManagedChannel channel = ProxylessClients.channel("localhost:" + agent.xdsPort(), "node-a", SERVICE);
            try {
                Traffic traffic = new Traffic(channel);
                traffic.call();
                Map<String, Integer> counts = traffic.sample(CALLS);

                assertThat(counts.keySet()).containsOnly("v1", "v2");
                Traffic.assertShare(counts.getOrDefault("v2", 0), CALLS, 0.8);
            } finally {
                ProxylessClients.close(channel);
            }
        }
    }

    @Test
    void newerRevisionSwitchesTheSplitWhileOlderAndDuplicateRevisionsAreIgnored() throws Exception {
        try (ClusterAgent agent = ClusterAgent.start(settings());
             Backend v1b = Backend.start("v1b")) {
            registerBackends(agent);
            agent.offer(greeterSplit(TENANT, CLUSTER, 1, 20, 80));
            ManagedChannel channel = ProxylessClients.channel("localhost:" + agent.xdsPort(), "node-a", SERVICE);
            try {
                Traffic traffic = new Traffic(channel);
                traffic.awaitAnswerFrom("v2");

                assertThat(agent.offer(greeterSplit(TENANT, CLUSTER, 2, 100, 0))).isTrue();
                traffic.awaitOnly(Set.of("v1"), 50);
                assertThat(traffic.sample(CALLS)).containsOnlyKeys("v1");

                assertThat(agent.offer(greeterSplit(TENANT, CLUSTER, 1, 0, 100))).isFalse();
                assertThat(agent.offer(greeterSplit(TENANT, CLUSTER, 2, 0, 100))).isFalse();
                assertThat(agent.appliedRevision()).isEqualTo(2);
                // A local change rebuilds the snapshot; once the client routes to the new v1
                // endpoint it holds everything built after the ignored offers.
                agent.inventory().register(v1b.endpoint(SERVICE, Map.of("version", "v1")));
                traffic.awaitAnswerFrom("v1b");
                assertThat(traffic.sample(CALLS)).containsOnlyKeys("v1", "v1b");
            } finally {
                ProxylessClients.close(channel);
            }
        }
    }

    /**
     * A route leaves subset v1, and comes back to it while v1's cluster still retires (no cluster
     * changed for the client in between, only its subscriptions), or once it retired (12 s: past the
     * agent's 10 s RetiringClusters.LINGER).
     */
    @ParameterizedTest(name = "back after {0} s")
    @ValueSource(ints = {0, 12})
    void routeMovedBackToASubsetItsClientsHadDroppedReachesItAgain(int pauseSeconds) throws Exception {
        try (ClusterAgent agent = ClusterAgent.start(settings())) {
            registerBackends(agent);
            agent.offer(greeterSplit(TENANT, CLUSTER, 1, 100, 0));
            ManagedChannel channel = ProxylessClients.channel("localhost:" + agent.xdsPort(), "node-a", SERVICE);
            try {
                Traffic traffic = new Traffic(channel);
                traffic.awaitOnly(Set.of("v1"), 20);

                assertThat(agent.offer(onlyV2(2))).isTrue();
                traffic.awaitOnly(Set.of("v2"), 20);
                Thread.sleep(Duration.ofSeconds(pauseSeconds).toMillis());

                assertThat(agent.offer(greeterSplit(TENANT, CLUSTER, 3, 100, 0))).isTrue();
                traffic.awaitOnly(Set.of("v1"), 20);
                assertThat(traffic.sample(100)).containsOnlyKeys("v1");
            } finally {
                ProxylessClients.close(channel);
            }
        }
    }

    /** As above, with path rules, and calls no rule matches sent to the whole service meanwhile. */
    @ParameterizedTest(name = "back after {0} s")
    @ValueSource(ints = {0, 12})
    void ruleMovedBackToASubsetItsClientsHadDroppedReachesItAgain(int pauseSeconds) throws Exception {
        String method = "/grpc.testing.SimpleService/UnaryRpc";
        try (ClusterAgent agent = ClusterAgent.start(settings())) {
            registerBackends(agent);
            agent.offer(rules(1, rule("/grpc.testing.SimpleService/", "v1")));
            ManagedChannel channel = ProxylessClients.channel("localhost:" + agent.xdsPort(), "node-a", SERVICE);
            try {
                Traffic traffic = new Traffic(channel);
                traffic.awaitOnly(Set.of("v1"), 20);

                // No rule matches the calls: they reach the whole service, and the v1 subset retires.
                assertThat(agent.offer(rules(2, rule(method + "Other", "v2")))).isTrue();
                traffic.awaitAnswerFrom("v2");
                Thread.sleep(Duration.ofSeconds(pauseSeconds).toMillis());
                assertThat(traffic.sample(20)).containsOnlyKeys("v1", "v2");

                assertThat(agent.offer(rules(3, rule(method + "Other", "v2"), rule("/grpc.testing.SimpleService/", "v1"))))
                        .isTrue();
                traffic.awaitOnly(Set.of("v1"), 20);
            } finally {
                ProxylessClients.close(channel);
            }
        }
    }

    private static TrafficRouteRule rule(String pathPrefix, String version) {
        return TrafficRouteRule.newBuilder()
                .setMatch(TrafficRouteMatch.newBuilder().setPathPrefix(pathPrefix))
                .addSplit(WeightedSubset.newBuilder().putLabels("version", version).setWeight(100))
                .build();
    }

    /** Revision {@code revision} of the greeter route with {@code rules} only. */
    private static DesiredConfig rules(long revision, TrafficRouteRule... rules) {
        DesiredConfig split = greeterSplit(TENANT, CLUSTER, revision, 0, 100);
        Policy route = split.getPolicies(0);
        return split.toBuilder()
                .setPolicies(0, route.toBuilder().setTrafficRoute(TrafficRouteSpec.newBuilder().addAllRules(List.of(rules))))
                .build();
    }

    /** Revision {@code revision} of the greeter route with its v1 split gone, not merely weighted 0. */
    private static DesiredConfig onlyV2(long revision) {
        DesiredConfig split = greeterSplit(TENANT, CLUSTER, revision, 0, 100);
        Policy route = split.getPolicies(0);
        return split.toBuilder()
                .setPolicies(0, route.toBuilder().setTrafficRoute(route.getTrafficRoute().toBuilder().removeSplit(0)))
                .build();
    }

    @Test
    void restartedAgentServesItsLastKnownGoodConfigWhileKafkaIsUnreachable() throws Exception {
        try (ClusterAgent first = ClusterAgent.start(settings())) {
            first.offer(greeterSplit(TENANT, CLUSTER, 3, 20, 80));
        }

        try (ClusterAgent restarted = ClusterAgent.start(settings())) {
            assertThat(restarted.appliedRevision()).isEqualTo(3);
            registerBackends(restarted);
            ManagedChannel channel = ProxylessClients.channel("localhost:" + restarted.xdsPort(), "node-b", SERVICE);
            try {
                Traffic traffic = new Traffic(channel);
                traffic.call();
                Map<String, Integer> counts = traffic.sample(CALLS);

                assertThat(counts.keySet()).containsOnly("v1", "v2");
                Traffic.assertShare(counts.getOrDefault("v2", 0), CALLS, 0.8);
            } finally {
                ProxylessClients.close(channel);
            }
        }
    }

    @Test
    void deregisteredEndpointStopsGettingCallsWithoutANewRevision() throws Exception {
        try (ClusterAgent agent = ClusterAgent.start(settings())) {
            registerBackends(agent);
            agent.offer(greeterSplit(TENANT, CLUSTER, 1, 50, 50).toBuilder().clearPolicies().build());
            ManagedChannel channel = ProxylessClients.channel("localhost:" + agent.xdsPort(), "node-a", SERVICE);
            try {
                Traffic traffic = new Traffic(channel);
                traffic.awaitAnswerFrom("v2");

                agent.inventory().deregister(v2.endpoint(SERVICE, Map.of("version", "v2")));
                traffic.awaitOnly(Set.of("v1"), 50);

                assertThat(traffic.sample(200)).containsOnlyKeys("v1");
                assertThat(agent.appliedRevision()).isEqualTo(1);
            } finally {
                ProxylessClients.close(channel);
            }
        }
    }

    @Test
    void clientsOfTwoClustersInOneJvmEachSeeTheirOwnAgent() throws Exception {
        AgentSettings canarySettings = settings();
        try (ClusterAgent canary = ClusterAgent.start(canarySettings);
             ClusterAgent stable = ClusterAgent.start(AgentSettings.builder(TENANT, "us-east-1")
                     .kafkaBootstrapServers(canarySettings.kafkaBootstrapServers())
                     .configVerifier(canarySettings.configVerifier())
                     .xdsPort(0)
                     .stateDirectory(stateDir.resolve("other"))
                     .build())) {
            registerBackends(canary);
            registerBackends(stable);
            canary.offer(greeterSplit(TENANT, CLUSTER, 1, 0, 100));
            stable.offer(greeterSplit(TENANT, "us-east-1", 1, 100, 0));
            ManagedChannel toCanary = ProxylessClients.channel("localhost:" + canary.xdsPort(), "node", SERVICE);
            ManagedChannel toStable = ProxylessClients.channel("localhost:" + stable.xdsPort(), "node", SERVICE);
            try {
                assertThat(new Traffic(toCanary).sample(100)).containsOnlyKeys("v2");
                assertThat(new Traffic(toStable).sample(100)).containsOnlyKeys("v1");
            } finally {
                ProxylessClients.close(toCanary);
                ProxylessClients.close(toStable);
            }
        }
    }

    private void registerBackends(ClusterAgent agent) {
        agent.inventory().register(v1.endpoint(SERVICE, Map.of("version", "v1")));
        agent.inventory().register(v2.endpoint(SERVICE, Map.of("version", "v2")));
    }

    private AgentSettings settings() throws IOException {
        return AgentSettings.builder(TENANT, CLUSTER)
                .kafkaBootstrapServers("127.0.0.1:" + closedPort())
                .configVerifier(ConfigVerifier.trusting(ConfigSigningKey.generate().publicKey()))
                .xdsPort(0)
                .stateDirectory(stateDir)
                .build();
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}

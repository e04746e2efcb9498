package dev.fedmesh.agent.xds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fedmesh.agent.status.ProxyTracker;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.api.v1.ProxyStatus;
import dev.fedmesh.api.v1.ProxySyncState;
import dev.fedmesh.api.v1.Service;
import dev.fedmesh.api.v1.ServiceSubset;
import dev.fedmesh.api.v1.Target;
import dev.fedmesh.api.v1.TrafficRouteSpec;
import dev.fedmesh.api.v1.WeightedSubset;
import dev.fedmesh.testing.xds.ProxylessClients;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.StatusInfo;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongFunction;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real proxyless gRPC xDS clients subscribing to the agent's ADS server while the agent replaces its
 * snapshot back to back, as when it reads a tenant's first revisions from Kafka: whatever the
 * snapshots in between held, every client ends holding the last one.
 */
class ClientsSubscribingWhileSnapshotsChangeTest {

    private static final String TENANT = "acme";
    private static final String CLUSTER = "eu-west-1";
    private static final String GROUP = TENANT + "/" + CLUSTER;
    private static final String SERVICE = "greeter";
    private static final String LISTENER = Resources.V3.LISTENER_TYPE_URL;
    private static final String ROUTE = Resources.V3.ROUTE_TYPE_URL;
    private static final String CLUSTERS = Resources.V3.CLUSTER_TYPE_URL;
    private static final String ENDPOINTS = Resources.V3.ENDPOINT_TYPE_URL;
    // Generous: a client that is served holds the last snapshot within a second or two.
    private static final Duration PATIENCE = Duration.ofSeconds(40);

    // As the agent has it: every proxy of the cluster shares one snapshot.
    private final ProxySnapshots cache = new ProxySnapshots(node -> GROUP);
    private final XdsSnapshotPublisher publisher = new XdsSnapshotPublisher(cache, GROUP, TENANT, CLUSTER);
    private final ProxyTracker proxies = new ProxyTracker(() -> { });
    private final List<String> nodes = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private AdsServer ads;

    @BeforeEach
    void startAds() {
        ads = AdsServer.start(cache, "127.0.0.1", 0, Optional.empty(), proxies);
    }

    @AfterEach
    void stopAds() {
        channels.forEach(ProxylessClients::close);
        ads.close();
    }

    @Test
    void clientWaitingForItsListenerGetsItOnceASnapshotHoldsIt() {
        subscribe("node-a");
        // Its request for listener greeter is in before the agent has any snapshot.
        awaitOpenWatches(1);

        // The tenant's first revisions name no service yet: listener greeter is in neither.
        publisher.prepare(withoutServices(1)).run();
        publisher.prepare(withoutServices(2)).run();
        publisher.prepare(split(3, 20, 80)).run();
        awaitEveryClientHoldsTheServedSnapshot();
    }

    @Test
    void connectedClientFollowsItsServiceFromTheWholeServiceToSubsets() {
        publisher.prepare(wholeService(1)).run();
        subscribe("node-a");
        awaitEveryClientHoldsTheServedSnapshot();

        // gRPC asks for cluster outbound|greeter, gone now, until the subset clusters arrive: they
        // are to come with the new route, not after gRPC's 15 s does-not-exist timeout.
        publisher.prepare(split(2, 20, 80)).run();
        awaitEveryClientHoldsTheServedSnapshot();
    }

    @Test
    void aNewWeightIsSentToAConnectedClientAsItsRouteAlone() {
        publisher.prepare(split(1, 100, 0)).run();
        subscribe("node-a");
        awaitEveryClientHoldsTheServedSnapshot();
        ServedSnapshot first = publisher.served();
        assertThat(first.versionsByType().values()).as("every type of the first snapshot").containsOnly(first.version());

        publisher.prepare(split(2, 0, 100)).run();
        awaitEveryClientHoldsTheServedSnapshot();

        ServedSnapshot second = publisher.served();
        assertThat(second.version()).startsWith("2.");
        assertThat(second.versionOf(ROUTE)).isEqualTo(second.version());
        Map<String, String> unchanged = Map.of(LISTENER, first.version(), CLUSTERS, first.version(),
                ENDPOINTS, first.version());
        unchanged.forEach((type, version) -> assertThat(second.versionOf(type)).as(type).isEqualTo(version));
        ProxyStatus client = proxies.proxies(second).get(0);
        assertThat(client.getTypesList()).allSatisfy(type -> {
            String expected = type.getTypeUrl().equals(ROUTE) ? second.version() : first.version();
            // What was last sent of each type, and ACKed: the route of revision 2, the rest only once, at revision 1.
            assertThat(type.getSentVersion()).as(type.getTypeUrl()).isEqualTo(expected);
            assertThat(type.getAckedVersion()).as(type.getTypeUrl()).isEqualTo(expected);
        });
        assertThat(client.getTypesList()).hasSize(4);

        // Back to the first weights: the route is new again, not the version it had at revision 1.
        publisher.prepare(split(3, 100, 0)).run();
        awaitEveryClientHoldsTheServedSnapshot();
        assertThat(publisher.served().versionOf(ROUTE)).startsWith("3.").isNotEqualTo(first.version());
        assertThat(publisher.served().versionOf(CLUSTERS)).isEqualTo(first.version());
    }

    @Test
    void clientsSubscribingWhileOnlyTheWeightsChangeEndOnTheLastRevision() {
        applyBackToBack(revision -> split(revision, (int) (revision % 101), 100 - (int) (revision % 101)));
        awaitEveryClientHoldsTheServedSnapshot();
    }

    @Test
    void clientsSubscribingWhileTheChainAndTheServicesChangeEndOnTheLastRevision() {
        // Listener and route come and go; clusters and endpoints switch between the whole service and subsets.
        applyBackToBack(revision -> switch ((int) (revision % 4)) {
            case 0 -> withoutServices(revision);
            case 1 -> wholeService(revision);
            case 2 -> split(revision, 50, 50);
            default -> split(revision, 100, 0);
        });
        awaitEveryClientHoldsTheServedSnapshot();
    }

    /**
     * With one client already holding revision 1, applies revisions 2 to 80 a few ms apart, a new
     * client subscribing at every eighth (the next revision waits until its first request is in),
     * then a last split.
     */
    private void applyBackToBack(LongFunction<DesiredConfig> config) {
        publisher.prepare(split(1, 100, 0)).run();
        subscribe("node-1");
        awaitEveryClientHoldsTheServedSnapshot();
        for (long revision = 2; revision <= 80; revision++) {
            publisher.prepare(config.apply(revision)).run();
            if (revision % 8 == 0) {
                subscribe("node-" + revision);
                awaitFirstRequest("node-" + revision);
            }
            pause(5);
        }
        publisher.prepare(split(81, 20, 80)).run();
    }

    private void subscribe(String node) {
        ManagedChannel channel = ProxylessClients.channel("localhost:" + ads.port(), node, SERVICE);
        channels.add(channel);
        nodes.add(node);
        // Leaving idle starts the name resolver, which subscribes to listener greeter.
        channel.getState(true);
    }

    private void awaitFirstRequest(String node) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (proxies.proxies(publisher.served()).stream().noneMatch(status -> status.getNodeId().equals(node))) {
            assertThat(System.nanoTime()).as("a first xDS request from %s", node).isLessThan(deadline);
            pause(1);
        }
    }

    private int openWatches() {
        StatusInfo<String> status = cache.statusInfo(GROUP);
        return status == null ? 0 : status.numWatches();
    }

    private void awaitOpenWatches(int watches) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (openWatches() < watches) {
            assertThat(System.nanoTime()).as("%d open xDS watch(es)", watches).isLessThan(deadline);
            pause(10);
        }
    }

    /** Every client has ACKed listener, route, cluster and endpoints of the snapshot being served. */
    private void awaitEveryClientHoldsTheServedSnapshot() {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            ServedSnapshot served = publisher.served();
            Map<String, ProxyStatus> byNode = proxies.proxies(served).stream()
                    .collect(Collectors.toMap(ProxyStatus::getNodeId, status -> status));
            List<String> behind = nodes.stream()
                    .filter(node -> !synced(byNode.get(node)))
                    .toList();
            if (behind.isEmpty()) {
                return;
            }
            assertThat(System.nanoTime())
                    .as("clients %s hold snapshot %s (each client: %s)", behind, served, byNode.values())
                    .isLessThan(deadline);
            pause(20);
        }
    }

    private static boolean synced(ProxyStatus status) {
        return status != null && status.getState() == ProxySyncState.SYNCED && status.getTypesCount() == 4;
    }

    private static DesiredConfig withoutServices(long revision) {
        return DesiredConfig.newBuilder().setTenant(TENANT).setCluster(CLUSTER).setRevision(revision).build();
    }

    private static DesiredConfig wholeService(long revision) {
        return withoutServices(revision).toBuilder().addServices(Service.newBuilder().setName(SERVICE)).build();
    }

    private static DesiredConfig split(long revision, int v1Weight, int v2Weight) {
        return wholeService(revision).toBuilder()
                .addPolicies(Policy.newBuilder()
                        .setKind("TrafficRoute")
                        .setName("greeter-canary")
                        .setTarget(Target.newBuilder().setService(ServiceSubset.newBuilder().setService(SERVICE)))
                        .setTrafficRoute(TrafficRouteSpec.newBuilder()
                                .addSplit(WeightedSubset.newBuilder().putLabels("version", "v1").setWeight(v1Weight))
                                .addSplit(WeightedSubset.newBuilder().putLabels("version", "v2").setWeight(v2Weight))))
                .build();
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}

package dev.fedmesh.agent.failover;

import static dev.fedmesh.agent.failover.ClusterProbeTargetsTest.endpoint;
import static dev.fedmesh.agent.failover.ClusterProbeTargetsTest.inventory;
import static dev.fedmesh.agent.failover.ClusterProbeTargetsTest.peer;
import static dev.fedmesh.agent.failover.ClusterProbeTargetsTest.service;
import static org.assertj.core.api.Assertions.assertThat;

import dev.fedmesh.agent.health.ProbeSettings;
import dev.fedmesh.agent.health.ProbeTarget;
import dev.fedmesh.agent.health.TcpProber;
import dev.fedmesh.agent.health.TcpServer;
import dev.fedmesh.api.v1.ClusterInventory;
import dev.fedmesh.api.v1.ClusterPeer;
import dev.fedmesh.api.v1.EndpointHealth;
import dev.fedmesh.api.v1.InventoryEndpoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ClusterReachabilityTest {

    private static final ProbeSettings SETTINGS = new ProbeSettings(Duration.ofMillis(400), Duration.ofMillis(300), 3, 3, 3);
    private static final List<ClusterPeer> WEST_AND_EAST = List.of(peer("east", "", ""), peer("west", "", ""));

    private final List<TcpServer> servers = new ArrayList<>();
    private final List<Set<String>> told = new CopyOnWriteArrayList<>();
    private TcpProber prober;
    private ClusterReachability reachability;

    @BeforeEach
    void start() {
        prober = new TcpProber("reachability-test");
        reachability = new ClusterReachability("west", prober, SETTINGS);
        reachability.addListener(told::add);
    }

    @AfterEach
    void stop() {
        reachability.close();
        prober.close();
        servers.forEach(TcpServer::close);
    }

    @Test
    void aClusterWhoseEveryTargetGoesDarkIsUnreachableAfterFallRoundsThenReachableAfterRiseRounds() {
        List<TcpServer> east = List.of(server(), server(), server());
        reachability.peers(WEST_AND_EAST);
        reachability.inventories(Map.of("east", inventoryOf("east", east)));
        rounds(3);

        east.forEach(TcpServer::goDark);
        assertThat(reachability.probeRound()).isEmpty();
        assertThat(reachability.probeRound()).isEmpty();
        assertThat(reachability.probeRound()).containsExactly("east");
        assertThat(reachability.unreachable()).containsExactly("east");

        east.forEach(TcpServer::answer);
        assertThat(reachability.probeRound()).containsExactly("east");
        assertThat(reachability.probeRound()).containsExactly("east");
        assertThat(reachability.probeRound()).isEmpty();

        assertThat(told).containsExactly(Set.of(), Set.of("east"), Set.of());
    }

    @Test
    void aClusterWhoseServersAllRefuseIsUnreachable() {
        List<TcpServer> east = List.of(server(), server());
        reachability.peers(WEST_AND_EAST);
        reachability.inventories(Map.of("east", inventoryOf("east", east)));

        east.forEach(TcpServer::refuse);
        rounds(3);

        assertThat(reachability.unreachable()).containsExactly("east");
    }

    @Test
    void aClusterWithOneLiveTargetOfThreeStaysReachable() {
        List<TcpServer> east = List.of(server(), server(), server());
        reachability.peers(WEST_AND_EAST);
        reachability.inventories(Map.of("east", inventoryOf("east", east)));
        east.get(0).goDark();
        east.get(2).refuse();

        rounds(10);

        assertThat(reachability.unreachable()).isEmpty();
        assertThat(told).containsExactly(Set.of());
    }

    @Test
    void aClusterThatFlapsIsNeverDeclaredUnreachable() {
        TcpServer east = server();
        reachability.peers(WEST_AND_EAST);
        reachability.inventories(Map.of("east", inventoryOf("east", List.of(east))));
        rounds(3);

        for (int i = 0; i < 3; i++) {
            east.goDark();
            rounds(2);
            east.answer();
            rounds(1);
        }

        assertThat(told).containsExactly(Set.of());
    }

    @Test
    void aClusterOnAnotherNetworkIsJudgedByItsGatewayNotByItsEndpoints() {
        TcpServer gateway = server();
        TcpServer endpoint = server();
        endpoint.refuse();
        reachability.peers(List.of(peer("east", "net-b", gateway.target().toString()), peer("west", "net-a", "")));
        reachability.inventories(Map.of("east", inventoryOf("east", List.of(endpoint))));

        rounds(4);
        assertThat(reachability.unreachable()).isEmpty();

        gateway.goDark();
        rounds(3);
        assertThat(reachability.unreachable()).containsExactly("east");
    }

    @Test
    void aClusterBehindOneGatewayAddressGetsSeveralConnectsARound() throws InterruptedException {
        TcpServer gateway = server();
        reachability.peers(List.of(peer("east", "net-b", gateway.target().toString()), peer("west", "net-a", "")));

        reachability.probeRound();

        assertThat(gateway.awaitAccepted(SETTINGS.targetsPerCluster())).isTrue();
    }

    @Test
    void probesFailingBecauseTheProberStoppedMakeNoClusterUnreachable() {
        TcpServer east = server();
        reachability.peers(WEST_AND_EAST);
        reachability.inventories(Map.of("east", inventoryOf("east", List.of(east))));
        rounds(3);

        prober.close();
        rounds(4);

        assertThat(reachability.unreachable()).isEmpty();
        assertThat(told).containsExactly(Set.of());
    }

    @Test
    void aClusterWithNothingToProbeIsReachable() {
        reachability.peers(List.of(peer("east", "", ""), peer("north", "net-b", ""), peer("west", "", "")));

        rounds(4);

        assertThat(reachability.targets().get("east").targets()).isEmpty();
        assertThat(reachability.targets().get("north").targets()).isEmpty();
        assertThat(reachability.unreachable()).isEmpty();
    }

    @Test
    void theLocalClusterIsNeverProbed() {
        TcpServer dead = server();
        dead.refuse();
        reachability.peers(WEST_AND_EAST);
        reachability.inventories(Map.of("west", inventoryOf("west", List.of(dead))));

        rounds(4);

        assertThat(reachability.targets()).containsOnlyKeys("east");
        assertThat(reachability.unreachable()).isEmpty();
    }

    @Test
    void aClusterThatLeavesTheTenantIsForgottenAndListenersHearIt() {
        TcpServer east = server();
        east.refuse();
        reachability.peers(WEST_AND_EAST);
        reachability.inventories(Map.of("east", inventoryOf("east", List.of(east))));
        rounds(3);
        assertThat(reachability.unreachable()).containsExactly("east");

        reachability.peers(List.of(peer("west", "", "")));

        assertThat(reachability.unreachable()).isEmpty();
        assertThat(reachability.targets()).isEmpty();
        assertThat(told).containsExactly(Set.of(), Set.of("east"), Set.of());
    }

    @Test
    void anUnreachableClusterWhoseInventoryNowPointsAtLiveEndpointsComesBackAfterRiseRounds() {
        TcpServer old = server();
        TcpServer moved = server();
        old.refuse();
        reachability.peers(WEST_AND_EAST);
        reachability.inventories(Map.of("east", inventoryOf("east", List.of(old))));
        rounds(3);

        reachability.inventories(Map.of("east", inventoryOf("east", List.of(moved))));
        assertThat(reachability.unreachable()).as("a new inventory alone proves nothing").containsExactly("east");
        rounds(3);

        assertThat(reachability.unreachable()).isEmpty();
        assertThat(reachability.targets().get("east").targets()).containsExactly(moved.target());
    }

    @Test
    void printsHowLongADarkClusterTakesToBeDeclaredWithTheDefaultSettings() throws InterruptedException {
        reachability.close();
        ClusterReachability defaults = new ClusterReachability("west", prober, ProbeSettings.DEFAULT);
        LinkedBlockingQueue<Set<String>> changes = new LinkedBlockingQueue<>();
        List<TcpServer> east = List.of(server(), server(), server());
        defaults.peers(WEST_AND_EAST);
        defaults.inventories(Map.of("east", inventoryOf("east", east)));
        defaults.addListener(changes::add);
        assertThat(changes.take()).isEmpty();
        defaults.start();
        try {
            List<Long> declaredMillis = new ArrayList<>();
            for (int attempt = 0; attempt < 5; attempt++) {
                Thread.sleep(ProbeSettings.DEFAULT.interval().toMillis() * 4 + attempt * 97L);
                long dark = east.stream().mapToLong(TcpServer::goDark).max().orElseThrow();
                assertThat(changes.poll(30, TimeUnit.SECONDS)).containsExactly("east");
                declaredMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - dark));
                east.forEach(TcpServer::answer);
                assertThat(changes.poll(30, TimeUnit.SECONDS)).isEmpty();
            }
            System.out.printf("Dark cluster declared unreachable after %s ms (defaults: interval %d ms, connect"
                            + " timeout %d ms, fall %d; worst case %d ms)%n", declaredMillis,
                    ProbeSettings.DEFAULT.interval().toMillis(), ProbeSettings.DEFAULT.connectTimeout().toMillis(),
                    ProbeSettings.DEFAULT.fall(), ProbeSettings.DEFAULT.worstCaseDetection().toMillis());
        } finally {
            defaults.close();
        }
    }

    private void rounds(int count) {
        for (int i = 0; i < count; i++) {
            reachability.probeRound();
        }
    }

    private TcpServer server() {
        TcpServer server = TcpServer.answering();
        servers.add(server);
        return server;
    }

    /** One service per server, so the three targets are spread over services as in a real cluster. */
    private static ClusterInventory inventoryOf(String cluster, List<TcpServer> listening) {
        List<dev.fedmesh.api.v1.InventoryService> services = new ArrayList<>();
        for (int i = 0; i < listening.size(); i++) {
            ProbeTarget target = listening.get(i).target();
            InventoryEndpoint endpoint = endpoint(target.host(), target.port(), EndpointHealth.ENDPOINT_HEALTH_HEALTHY);
            services.add(service("service-" + i, endpoint));
        }
        return inventory(cluster, services.toArray(dev.fedmesh.api.v1.InventoryService[]::new));
    }
}

package dev.fedmesh.agent.failover;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fedmesh.agent.failover.ClusterProbeTargets.ClusterTargets;
import dev.fedmesh.agent.health.ProbeTarget;
import dev.fedmesh.api.v1.ClusterInventory;
import dev.fedmesh.api.v1.ClusterPeer;
import dev.fedmesh.api.v1.EndpointHealth;
import dev.fedmesh.api.v1.InventoryEndpoint;
import dev.fedmesh.api.v1.InventoryService;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ClusterProbeTargetsTest {

    private static final EndpointHealth HEALTHY = EndpointHealth.ENDPOINT_HEALTH_HEALTHY;
    private static final EndpointHealth UNKNOWN = EndpointHealth.ENDPOINT_HEALTH_UNKNOWN;
    private static final EndpointHealth UNHEALTHY = EndpointHealth.ENDPOINT_HEALTH_UNHEALTHY;

    @Test
    void aClusterOnAnotherNetworkIsProbedAtItsEastWestGatewayOnly() {
        List<ClusterPeer> peers = List.of(peer("west", "net-a", ""), peer("east", "net-b", "gw.east.example:15443"));
        Map<String, ClusterInventory> inventories = Map.of("east",
                inventory("east", service("greeter", endpoint("10.2.0.1", 8080, HEALTHY))));

        Map<String, ClusterTargets> targets = ClusterProbeTargets.choose("west", peers, inventories, 3);

        assertThat(targets).containsOnlyKeys("east");
        assertThat(targets.get("east").targets()).containsExactly(new ProbeTarget("gw.east.example", 15443));
        assertThat(targets.get("east").source()).isEqualTo("east-west gateway gw.east.example:15443");
        assertThat(targets.get("east").problem()).isEmpty();
    }

    @Test
    void twoClustersWithoutANetworkShareOneAndProbeEachOthersEndpoints() {
        List<ClusterPeer> peers = List.of(peer("west", "", ""), peer("east", "", "gw.east.example:15443"));
        Map<String, ClusterInventory> inventories = Map.of("east",
                inventory("east", service("greeter", endpoint("10.2.0.1", 8080, HEALTHY))));

        Map<String, ClusterTargets> targets = ClusterProbeTargets.choose("west", peers, inventories, 3);

        assertThat(targets.get("east").targets()).containsExactly(new ProbeTarget("10.2.0.1", 8080));
        assertThat(targets.get("east").source()).isEqualTo("1 endpoint");
    }

    @Test
    void theLocalClusterIsNeverATargetAndClustersThatAreNotPeersAreIgnored() {
        List<ClusterPeer> peers = List.of(peer("west", "", ""), peer("east", "", ""));
        Map<String, ClusterInventory> inventories = Map.of(
                "west", inventory("west", service("greeter", endpoint("10.1.0.1", 8080, HEALTHY))),
                "gone", inventory("gone", service("greeter", endpoint("10.9.0.1", 8080, HEALTHY))));

        Map<String, ClusterTargets> targets = ClusterProbeTargets.choose("west", peers, inventories, 3);

        assertThat(targets).containsOnlyKeys("east");
        assertThat(targets.get("east").targets()).isEmpty();
        assertThat(targets.get("east").source()).isEqualTo("no inventory yet");
    }

    @Test
    void aChooserChoosesAgainOnlyForAClusterWhoseInventoryChangedAndChoosesAsChooseDoes() {
        List<ClusterPeer> peers = List.of(peer("west", "", ""), peer("east", "", ""), peer("north", "", ""));
        ClusterInventory east = inventory("east", service("greeter", endpoint("10.2.0.1", 8080, HEALTHY)));
        ClusterInventory north = inventory("north", service("greeter", endpoint("10.3.0.1", 8080, HEALTHY)));
        ClusterProbeTargets.Chooser chooser = new ClusterProbeTargets.Chooser(3);
        Map<String, ClusterTargets> first = chooser.choose("west", peers, Map.of("east", east, "north", north));

        ClusterInventory eastAgain = inventory("east", service("greeter", endpoint("10.2.0.1", 8080, UNHEALTHY),
                endpoint("10.2.0.2", 8080, HEALTHY)));
        Map<String, ClusterInventory> now = Map.of("east", eastAgain, "north", north);
        Map<String, ClusterTargets> second = chooser.choose("west", peers, now);

        assertThat(second.get("north")).as("the same instance: north's inventory did not change").isSameAs(first.get("north"));
        assertThat(second.get("east").targets()).containsExactly(new ProbeTarget("10.2.0.2", 8080),
                new ProbeTarget("10.2.0.1", 8080));
        assertThat(second).isEqualTo(ClusterProbeTargets.choose("west", peers, now, 3));
    }

    @Test
    void upToThreeEndpointsSpreadOverServicesHealthyFirst() {
        List<ClusterPeer> peers = List.of(peer("west", "", ""), peer("east", "", ""));
        Map<String, ClusterInventory> inventories = Map.of("east", inventory("east",
                service("billing", endpoint("10.2.0.9", 9000, UNHEALTHY), endpoint("10.2.0.8", 9000, HEALTHY)),
                service("greeter", endpoint("10.2.0.1", 8080, HEALTHY), endpoint("10.2.0.2", 8080, HEALTHY),
                        endpoint("10.2.0.3", 8080, HEALTHY)),
                service("search", endpoint("10.2.0.5", 7000, UNKNOWN))));

        Map<String, ClusterTargets> targets = ClusterProbeTargets.choose("west", peers, inventories, 3);

        // Healthy first, one per service in turn (billing, greeter), then greeter's second; search's
        // endpoint of unknown health and billing's unhealthy one come after all healthy ones.
        assertThat(targets.get("east").targets()).containsExactly(
                new ProbeTarget("10.2.0.8", 9000), new ProbeTarget("10.2.0.1", 8080), new ProbeTarget("10.2.0.2", 8080));
    }

    @Test
    void endpointsOfUnknownHealthThenUnhealthyOnesFillWhatHealthyOnesLeave() {
        List<ClusterPeer> peers = List.of(peer("west", "", ""), peer("east", "", ""));
        Map<String, ClusterInventory> inventories = Map.of("east", inventory("east",
                service("billing", endpoint("10.2.0.9", 9000, UNHEALTHY)),
                service("greeter", endpoint("10.2.0.1", 8080, HEALTHY)),
                service("search", endpoint("10.2.0.5", 7000, UNKNOWN))));

        Map<String, ClusterTargets> targets = ClusterProbeTargets.choose("west", peers, inventories, 3);

        assertThat(targets.get("east").targets()).containsExactly(
                new ProbeTarget("10.2.0.1", 8080), new ProbeTarget("10.2.0.5", 7000), new ProbeTarget("10.2.0.9", 9000));
    }

    @Test
    void anAddressServingTwoServicesIsProbedOnce() {
        List<ClusterPeer> peers = List.of(peer("west", "", ""), peer("east", "", ""));
        Map<String, ClusterInventory> inventories = Map.of("east", inventory("east",
                service("greeter", endpoint("10.2.0.1", 8080, HEALTHY)),
                service("greeter-v2", endpoint("10.2.0.1", 8080, HEALTHY))));

        assertThat(ClusterProbeTargets.choose("west", peers, inventories, 3).get("east").targets())
                .containsExactly(new ProbeTarget("10.2.0.1", 8080));
    }

    @Test
    void theChoiceDoesNotDependOnTheOrderServicesAndEndpointsArriveIn() {
        Random random = new Random(42L);
        List<ClusterPeer> peers = List.of(peer("west", "", ""), peer("east", "", ""));
        EndpointHealth[] healths = {HEALTHY, UNKNOWN, UNHEALTHY};
        for (int run = 0; run < 300; run++) {
            List<InventoryService> services = new ArrayList<>();
            for (int s = 0; s < 1 + random.nextInt(5); s++) {
                List<InventoryEndpoint> endpoints = new ArrayList<>();
                for (int e = 0; e < 1 + random.nextInt(5); e++) {
                    endpoints.add(endpoint("10.2." + s + "." + random.nextInt(4), 8000 + random.nextInt(3),
                            healths[random.nextInt(3)]));
                }
                services.add(InventoryService.newBuilder().setName("svc-" + s).addAllEndpoints(endpoints).build());
            }
            List<InventoryService> shuffled = new ArrayList<>();
            for (InventoryService service : services) {
                List<InventoryEndpoint> endpoints = new ArrayList<>(service.getEndpointsList());
                Collections.shuffle(endpoints, random);
                shuffled.add(service.toBuilder().clearEndpoints().addAllEndpoints(endpoints).build());
            }
            Collections.shuffle(shuffled, random);

            List<ProbeTarget> ordered = ClusterProbeTargets.choose("west", peers,
                    Map.of("east", inventory("east", services.toArray(InventoryService[]::new))), 3).get("east").targets();
            List<ProbeTarget> fromShuffled = ClusterProbeTargets.choose("west", peers,
                    Map.of("east", inventory("east", shuffled.toArray(InventoryService[]::new))), 3).get("east").targets();

            assertThat(fromShuffled).isEqualTo(ordered);
            assertThat(ordered).hasSizeLessThanOrEqualTo(3).doesNotHaveDuplicates();
        }
    }

    @Test
    void aClusterOnAnotherNetworkWithoutAGatewayHasNoTargetAndSaysWhatToSet() {
        List<ClusterPeer> peers = List.of(peer("west", "net-a", ""), peer("east", "net-b", ""));

        ClusterTargets east = ClusterProbeTargets.choose("west", peers, Map.of(), 3).get("east");

        assertThat(east.targets()).isEmpty();
        assertThat(east.problem()).hasValueSatisfying(problem ->
                assertThat(problem).contains("cluster east").contains("another network ('net-b')").contains("eastWestGateway"));
    }

    @Test
    void anUnusableGatewayIsNotProbedAndNamesTheValue() {
        List<ClusterPeer> peers = List.of(peer("west", "net-a", ""), peer("east", "net-b", "gw.east.example"));

        ClusterTargets east = ClusterProbeTargets.choose("west", peers, Map.of(), 3).get("east");

        assertThat(east.targets()).isEmpty();
        assertThat(east.problem()).hasValueSatisfying(problem ->
                assertThat(problem).contains("'gw.east.example' is not host:port"));
    }

    @Test
    void anIpv6GatewayIsProbed() {
        List<ClusterPeer> peers = List.of(peer("west", "net-a", ""), peer("east", "net-b", "[fd00::7]:15443"));

        assertThat(ClusterProbeTargets.choose("west", peers, Map.of(), 3).get("east").targets())
                .containsExactly(new ProbeTarget("fd00::7", 15443));
    }

    static ClusterPeer peer(String name, String network, String gateway) {
        return ClusterPeer.newBuilder().setName(name).setRegion("region-" + name).setNetwork(network)
                .setEastWestGateway(gateway).build();
    }

    static ClusterInventory inventory(String cluster, InventoryService... services) {
        return ClusterInventory.newBuilder().setTenant("acme").setCluster(cluster).setGeneration(1)
                .addAllServices(List.of(services)).build();
    }

    static InventoryService service(String name, InventoryEndpoint... endpoints) {
        return InventoryService.newBuilder().setName(name).addAllEndpoints(List.of(endpoints)).build();
    }

    static InventoryEndpoint endpoint(String host, int port, EndpointHealth health) {
        return InventoryEndpoint.newBuilder().setHost(host).setPort(port).setHealth(health).build();
    }
}

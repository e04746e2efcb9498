package dev.fedmesh.policy.xds;

import static dev.fedmesh.policy.xds.DesiredConfigs.meshMtls;
import static dev.fedmesh.policy.xds.DesiredConfigs.split;
import static dev.fedmesh.policy.xds.DesiredConfigs.trafficRoute;
import static dev.fedmesh.policy.xds.Federations.HEALTHY;
import static dev.fedmesh.policy.xds.Federations.UNHEALTHY;
import static dev.fedmesh.policy.xds.Federations.UNKNOWN;
import static dev.fedmesh.policy.xds.Federations.endpoint;
import static dev.fedmesh.policy.xds.Federations.inventory;
import static dev.fedmesh.policy.xds.Federations.peer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.fedmesh.api.v1.ClusterInventory;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.FailoverSpec;
import dev.fedmesh.api.v1.MeshTrust;
import dev.fedmesh.api.v1.MtlsModeSpec;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.api.v1.ServiceSubset;
import dev.fedmesh.api.v1.Target;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** The xDS one cluster (east) serves when it knows the inventories of the other clusters of its tenant. */
class FederatedTranslationTest {

    private static final ClusterInventory EAST = inventory("east")
            .service("greeter", endpoint("10.0.0.10", 8080, HEALTHY, "version", "v1"),
                    endpoint("10.0.0.11", 8080, HEALTHY, "version", "v1"))
            .service("frontend", endpoint("10.0.1.10", 9090, HEALTHY))
            .build();
    private static final ClusterInventory WEST = inventory("west")
            .service("greeter", endpoint("10.1.0.10", 8080, HEALTHY, "version", "v1"),
                    endpoint("10.1.0.11", 8080, UNKNOWN, "version", "v2"))
            .build();
    private static final ClusterInventory EU = inventory("eu")
            .service("greeter", endpoint("10.2.0.10", 8080, HEALTHY, "version", "v1"),
                    endpoint("10.2.0.11", 8080, HEALTHY, "version", "v1"),
                    endpoint("10.2.0.12", 8080, UNHEALTHY, "version", "v2"))
            .build();
    private static final ClusterInventory ISLAND = inventory("island")
            .service("greeter", endpoint("10.3.0.10", 8080, HEALTHY, "version", "v1"))
            .build();
    private static final Predicate<String> ALL_REACHABLE = cluster -> false;

    private final ProxyConfigTranslator translator = new ProxyConfigTranslator();

    /** east and west share the default network; eu is behind a gateway; island is on a network of its own with none. */
    private static DesiredConfig config(Policy... policies) {
        return DesiredConfigs.config(12, "greeter", "frontend").toBuilder()
                .setCluster("east")
                .setTrust(MeshTrust.newBuilder().setTrustDomain("acme.example"))
                .addPeers(peer("west", "us-west1", "us-west1-a", "", ""))
                .addPeers(peer("island", "ap-south1", "", "isolated", ""))
                .addPeers(peer("east", "us-east1", "us-east1-b", "", "gw.east.example:15443"))
                .addPeers(peer("eu", "eu-central1", "", "corp-eu", "203.0.113.7:15443"))
                .addAllPolicies(List.of(policies))
                .build();
    }

    private static Map<String, ClusterInventory> inventories(ClusterInventory... inventories) {
        Map<String, ClusterInventory> byCluster = new LinkedHashMap<>();
        for (ClusterInventory inventory : inventories) {
            byCluster.put(inventory.getCluster(), inventory);
        }
        return byCluster;
    }

    private static Policy strict() {
        return meshMtls(MtlsModeSpec.Mode.MODE_STRICT);
    }

    static Policy failover(String service, int threshold, String... clusters) {
        FailoverSpec.Builder spec = FailoverSpec.newBuilder().setHealthyPercentThreshold(threshold);
        for (String cluster : clusters) {
            spec.addOrderBuilder().setCluster(cluster);
        }
        return Policy.newBuilder()
                .setKind("Failover")
                .setName(service + "-failover")
                .setTarget(Target.newBuilder().setService(ServiceSubset.newBuilder().setService(service)))
                .setFailover(spec)
                .build();
    }

    @Test
    void aRemoteClusterOnTheSameNetworkIsReachedAtItsEndpointsOwnAddressesAfterTheLocalOnes() {
        XdsResources resources = translator.translate(config(), inventories(EAST, WEST, EU, ISLAND), ALL_REACHABLE);

        ClusterLoadAssignment greeter = assignment(resources, "outbound|greeter");
        assertThat(priorities(greeter)).containsExactly(Map.entry("east", 0), Map.entry("west", 1));
        assertThat(addresses(greeter)).containsExactly(
                "10.0.0.10:8080", "10.0.0.11:8080", "10.1.0.10:8080", "10.1.0.11:8080");
        assertThat(greeter.getEndpoints(0).getLocality().getRegion()).isEqualTo("us-east1");
        assertThat(greeter.getEndpoints(0).getLocality().getZone()).isEqualTo("us-east1-b");
        assertThat(greeter.getPolicy().getOverprovisioningFactor().getValue())
                .as("one healthy endpoint keeps a priority whole: Envoy does not spill on its own")
                .isEqualTo(200);
        assertValidAndGolden("federated-same-network", resources);
    }

    @Test
    void withoutMutualTlsAClusterOnAnotherNetworkCannotBeReached() {
        XdsResources resources = translator.translate(config(), inventories(EAST, WEST, EU, ISLAND), ALL_REACHABLE);

        assertThat(priorities(assignment(resources, "outbound|greeter"))).doesNotContainKeys("eu", "island");
        assertThat(resources.clusters()).noneMatch(Cluster::hasTransportSocket);
    }

    @Test
    void aRemoteClusterBehindAGatewayIsOneEndpointWeightedByItsHealthyEndpointsWithTheServiceInTheSni()
            throws Exception {
        XdsResources resources = translator.translate(config(strict()), inventories(EAST, WEST, EU, ISLAND),
                ALL_REACHABLE);

        ClusterLoadAssignment greeter = assignment(resources, "outbound|greeter");
        assertThat(priorities(greeter)).containsExactly(Map.entry("east", 0), Map.entry("eu", 1), Map.entry("west", 1));
        LocalityLbEndpoints eu = locality(greeter, "eu");
        assertThat(eu.getLbEndpointsList()).hasSize(1);
        LbEndpoint gateway = eu.getLbEndpoints(0);
        assertThat(gateway.getEndpoint().getAddress().getSocketAddress().getAddress()).isEqualTo("203.0.113.7");
        assertThat(gateway.getEndpoint().getAddress().getSocketAddress().getPortValue()).isEqualTo(15443);
        assertThat(gateway.getLoadBalancingWeight().getValue()).as("eu's healthy greeter endpoints").isEqualTo(2);
        assertThat(gateway.getHealthStatus()).isEqualTo(HealthStatus.HEALTHY);
        assertThat(gateway.getMetadata().getFilterMetadataOrThrow("fedmesh").getFieldsOrThrow("gateway").getStringValue())
                .isEqualTo("eu");
        assertThat(priorities(greeter)).as("island: another network and no gateway").doesNotContainKey("island");
        Cluster cluster = resources.clusters().stream().filter(c -> c.getName().equals("outbound|greeter"))
                .findFirst().orElseThrow();
        assertThat(cluster.getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class).getSni())
                .isEqualTo(EndpointSubset.all("greeter").sniName())
                .isEqualTo("greeter.fedmesh.internal");
        assertValidAndGolden("federated-gateway", resources);
    }

    @Test
    void aSplitPinnedToAnotherClusterReachesThatClustersEndpoints() {
        Policy route = trafficRoute("pinned", "greeter",
                split(Map.of("version", "v1"), 50).toBuilder().setCluster("west").build(),
                split(Map.of("version", "v2"), 50).toBuilder().setCluster("eu").build());

        XdsResources resources = translator.translate(config(strict(), route), inventories(EAST, WEST, EU, ISLAND),
                ALL_REACHABLE);

        ClusterLoadAssignment west = assignment(resources, "outbound|greeter|version=v1|cluster=west");
        assertThat(priorities(west)).containsExactly(Map.entry("west", 0));
        assertThat(addresses(west)).containsExactly("10.1.0.10:8080");
        ClusterLoadAssignment eu = assignment(resources, "outbound|greeter|version=v2|cluster=eu");
        assertThat(addresses(eu)).as("eu's gateway, its only v2 endpoint unhealthy: served in panic")
                .containsExactly("203.0.113.7:15443");
        assertThat(eu.getEndpoints(0).getLbEndpoints(0).getHealthStatus()).isEqualTo(HealthStatus.UNKNOWN);
        assertValidAndGolden("federated-pinned-split", resources);
    }

    @Test
    void whenTheLocalEndpointsFailTheRemoteClusterTakesPriorityZeroAndTheLocalOnesAreLeftOut() {
        ClusterInventory eastDown = inventory("east")
                .service("greeter", endpoint("10.0.0.10", 8080, UNHEALTHY, "version", "v1"),
                        endpoint("10.0.0.11", 8080, UNHEALTHY, "version", "v1"))
                .service("frontend", endpoint("10.0.1.10", 9090, HEALTHY))
                .build();

        XdsResources resources = translator.translate(config(), inventories(eastDown, WEST), ALL_REACHABLE);

        ClusterLoadAssignment greeter = assignment(resources, "outbound|greeter");
        assertThat(priorities(greeter)).containsExactly(Map.entry("west", 0));
        assertThat(greeter.getEndpoints(0).getLbEndpointsList()).extracting(LbEndpoint::getHealthStatus)
                .containsOnly(HealthStatus.HEALTHY);
        assertValidAndGolden("federated-local-failure", resources);
    }

    @Test
    void aClusterTheProbesCannotReachLosesItsTrafficWhateverItsInventorySays() {
        XdsResources resources = translator.translate(config(strict()), inventories(EAST, WEST, EU),
                cluster -> cluster.equals("west"));

        ClusterLoadAssignment greeter = assignment(resources, "outbound|greeter");
        assertThat(priorities(greeter)).containsExactly(Map.entry("east", 0), Map.entry("eu", 1), Map.entry("west", 1));
        assertThat(locality(greeter, "west").getLbEndpointsList()).extracting(LbEndpoint::getHealthStatus)
                .containsOnly(HealthStatus.UNHEALTHY);
    }

    @Test
    void aFailoverPolicysOrderDecidesAndAClusterItLeavesOutGetsNoTraffic() {
        XdsResources resources = translator.translate(config(strict(), failover("greeter", 70, "eu")),
                inventories(EAST, WEST, EU, ISLAND), ALL_REACHABLE);

        ClusterLoadAssignment greeter = assignment(resources, "outbound|greeter");
        assertThat(priorities(greeter)).containsExactly(Map.entry("east", 0), Map.entry("eu", 1));
        assertValidAndGolden("federated-failover-order", resources);
    }

    @Test
    void threshold50With4EndpointsKeepsTrafficWith3HealthyAndFailsOverWith1() {
        Policy policy = failover("greeter", 50, "west");

        ClusterLoadAssignment threeHealthy = assignment(translator.translate(config(policy),
                inventories(fourGreeters(3), WEST), ALL_REACHABLE), "outbound|greeter");
        ClusterLoadAssignment oneHealthy = assignment(translator.translate(config(policy),
                inventories(fourGreeters(1), WEST), ALL_REACHABLE), "outbound|greeter");

        assertThat(priorities(threeHealthy)).containsExactly(Map.entry("east", 0), Map.entry("west", 1));
        assertThat(priorities(oneHealthy)).containsExactly(Map.entry("west", 0), Map.entry("east", 1));
        assertThat(locality(oneHealthy, "east").getLbEndpointsList()).extracting(LbEndpoint::getHealthStatus)
                .containsExactly(HealthStatus.HEALTHY, HealthStatus.UNHEALTHY, HealthStatus.UNHEALTHY,
                        HealthStatus.UNHEALTHY);
    }

    @Test
    void withNoHealthyEndpointAnywhereEveryEndpointIsServedAsUnknown() {
        ClusterInventory eastDown = inventory("east")
                .service("greeter", endpoint("10.0.0.10", 8080, UNHEALTHY, "version", "v1")).build();
        ClusterInventory westDown = inventory("west")
                .service("greeter", endpoint("10.1.0.10", 8080, UNHEALTHY, "version", "v1")).build();

        XdsResources resources = translator.translate(config(), inventories(eastDown, westDown), ALL_REACHABLE);

        ClusterLoadAssignment greeter = assignment(resources, "outbound|greeter");
        assertThat(priorities(greeter)).containsExactly(Map.entry("east", 0), Map.entry("west", 1));
        assertThat(greeter.getEndpointsList()).flatExtracting(LocalityLbEndpoints::getLbEndpointsList)
                .extracting(LbEndpoint::getHealthStatus).containsOnly(HealthStatus.UNKNOWN);
        assertValidAndGolden("federated-panic", resources);
    }

    @Test
    void withoutPeersTheLocalClusterStandsAloneAndRemoteInventoriesAreIgnored() {
        DesiredConfig alone = config().toBuilder().clearPeers().build();

        ClusterLoadAssignment greeter = assignment(
                translator.translate(alone, inventories(EAST, WEST), ALL_REACHABLE), "outbound|greeter");

        assertThat(priorities(greeter)).containsExactly(Map.entry("east", 0));
        assertThat(greeter.getEndpoints(0).getLocality().getRegion()).isEmpty();
    }

    @Test
    void theOldEntryPointIsTheLocalInventoryAllHealthy() {
        List<ServiceEndpoint> endpoints = List.of(
                new ServiceEndpoint("greeter", "10.0.0.10", 8080, Map.of("version", "v1")),
                new ServiceEndpoint("frontend", "10.0.1.10", 9090, Map.of()));
        ClusterInventory local = inventory("east")
                .service("greeter", endpoint("10.0.0.10", 8080, HEALTHY, "version", "v1"))
                .service("frontend", endpoint("10.0.1.10", 9090, HEALTHY))
                .build();
        DesiredConfig alone = config().toBuilder().clearPeers().build();

        assertThat(translator.translate(alone, endpoints))
                .isEqualTo(translator.translate(alone, Map.of("east", local), ALL_REACHABLE));
    }

    private static ClusterInventory fourGreeters(int healthy) {
        Federations.Inventory inventory = inventory("east");
        for (int i = 0; i < 4; i++) {
            inventory.service("greeter", endpoint("10.0.0." + (10 + i), 8080, i < healthy ? HEALTHY : UNHEALTHY));
        }
        return inventory.build();
    }

    static ClusterLoadAssignment assignment(XdsResources resources, String name) {
        return resources.endpoints().stream().filter(a -> a.getClusterName().equals(name)).findFirst().orElseThrow();
    }

    /** Each locality's cluster (its sub-zone) and priority, in the order served. */
    static Map<String, Integer> priorities(ClusterLoadAssignment assignment) {
        Map<String, Integer> priorities = new LinkedHashMap<>();
        for (LocalityLbEndpoints locality : assignment.getEndpointsList()) {
            priorities.put(locality.getLocality().getSubZone(), locality.getPriority());
        }
        return priorities;
    }

    private static LocalityLbEndpoints locality(ClusterLoadAssignment assignment, String cluster) {
        return assignment.getEndpointsList().stream()
                .filter(l -> l.getLocality().getSubZone().equals(cluster)).findFirst().orElseThrow();
    }

    private static List<String> addresses(ClusterLoadAssignment assignment) {
        return assignment.getEndpointsList().stream()
                .flatMap(l -> l.getLbEndpointsList().stream())
                .map(e -> e.getEndpoint().getAddress().getSocketAddress())
                .map(a -> a.getAddress() + ":" + a.getPortValue())
                .toList();
    }

    private static void assertValidAndGolden(String golden, XdsResources resources) {
        EnvoyConstraints.assertAllValid(resources);
        GoldenFiles.assertMatches(golden, XdsJson.render(resources));
    }
}

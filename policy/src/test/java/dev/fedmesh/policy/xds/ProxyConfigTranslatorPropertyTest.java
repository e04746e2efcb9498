package dev.fedmesh.policy.xds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fedmesh.api.v1.ClusterInventory;
import dev.fedmesh.api.v1.ClusterPeer;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.EndpointHealth;
import dev.fedmesh.api.v1.InventoryEndpoint;
import dev.fedmesh.api.v1.InventoryService;
import dev.fedmesh.api.v1.WeightedSubset;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class ProxyConfigTranslatorPropertyTest {

    private static final List<String> SERVICES = List.of("greeter", "frontend", "billing");
    private static final List<String> VERSIONS = List.of("v1", "v2", "v3", "v4");

    record Scenario(DesiredConfig config, List<ServiceEndpoint> endpoints, List<WeightedSubset> split, long seed) {
    }

    @Property(tries = 200)
    void sameInputGivesByteIdenticalOutputWhateverTheEndpointOrder(@ForAll("scenarios") Scenario scenario) {
        List<ServiceEndpoint> shuffled = new ArrayList<>(scenario.endpoints());
        Collections.shuffle(shuffled, new Random(scenario.seed()));

        byte[] first = XdsJson.render(new ProxyConfigTranslator().translate(scenario.config(), scenario.endpoints()))
                .getBytes(StandardCharsets.UTF_8);
        byte[] second = XdsJson.render(new ProxyConfigTranslator().translate(scenario.config(), shuffled))
                .getBytes(StandardCharsets.UTF_8);

        assertThat(second).isEqualTo(first);
    }

    @Property(tries = 200)
    void routedWeightsAlwaysAddUpToTheSplitsTotal(@ForAll("scenarios") Scenario scenario) {
        XdsResources resources = new ProxyConfigTranslator().translate(scenario.config(), scenario.endpoints());
        long inputTotal = scenario.split().stream().mapToLong(WeightedSubset::getWeight).sum();

        RouteConfiguration greeter = resources.routes().stream()
                .filter(r -> r.getName().equals("greeter")).findFirst().orElseThrow();
        long outputTotal = greeter.getVirtualHosts(0).getRoutes(0).getRoute().getWeightedClusters()
                .getClustersList().stream().mapToLong(w -> w.getWeight().getValue()).sum();

        assertThat(outputTotal).isEqualTo(inputTotal);
        List<String> clusterNames = resources.clusters().stream().map(c -> c.getName()).toList();
        assertThat(greeter.getVirtualHosts(0).getRoutes(0).getRoute().getWeightedClusters().getClustersList())
                .extracting(WeightedCluster.ClusterWeight::getName)
                .allMatch(clusterNames::contains)
                .doesNotHaveDuplicates();
        assertThat(resources.endpoints()).extracting(a -> a.getClusterName()).containsExactlyElementsOf(clusterNames);
    }

    record FederatedScenario(DesiredConfig config, Map<String, ClusterInventory> inventories, Set<String> unreachable,
                             boolean withPolicy, long seed) {
    }

    @Property(tries = 200)
    void federatedOutputIsByteIdenticalWhateverTheOrderOfPeersInventoriesAndEndpoints(
            @ForAll("federations") FederatedScenario scenario) {
        Random random = new Random(scenario.seed());
        List<ClusterPeer> peers = new ArrayList<>(scenario.config().getPeersList());
        Collections.shuffle(peers, random);
        DesiredConfig reordered = scenario.config().toBuilder().clearPeers().addAllPeers(peers).build();
        List<String> clusters = new ArrayList<>(scenario.inventories().keySet());
        Collections.shuffle(clusters, random);
        Map<String, ClusterInventory> shuffled = new LinkedHashMap<>();
        for (String cluster : clusters) {
            shuffled.put(cluster, shuffle(scenario.inventories().get(cluster), random));
        }

        String first = XdsJson.render(new ProxyConfigTranslator().translate(scenario.config(), scenario.inventories(),
                scenario.unreachable()::contains));
        String second = XdsJson.render(new ProxyConfigTranslator().translate(reordered, shuffled,
                scenario.unreachable()::contains));

        assertThat(second).isEqualTo(first);
    }

    @Property(tries = 200)
    void everyAssignmentIsValidWithContiguousPrioritiesAndNeverEmptyWhileAReachableEndpointIsKnown(
            @ForAll("federations") FederatedScenario scenario) {
        XdsResources resources = new ProxyConfigTranslator().translate(scenario.config(), scenario.inventories(),
                scenario.unreachable()::contains);

        EnvoyConstraints.assertAllValid(resources);
        for (ClusterLoadAssignment assignment : resources.endpoints()) {
            List<Integer> priorities = assignment.getEndpointsList().stream()
                    .map(LocalityLbEndpoints::getPriority).distinct().sorted().toList();
            assertThat(priorities).as("priorities of %s", assignment.getClusterName())
                    .isEqualTo(java.util.stream.IntStream.range(0, priorities.size()).boxed().toList());
            assertThat(assignment.getEndpointsList()).extracting(l -> l.getLocality().getSubZone())
                    .doesNotHaveDuplicates();
        }
        ClusterLoadAssignment greeter = resources.endpoints().stream()
                .filter(a -> a.getClusterName().equals("outbound|greeter")).findFirst().orElseThrow();
        boolean reachableEndpointKnown = scenario.inventories().entrySet().stream()
                .filter(e -> sameNetworkAsLocal(scenario.config(), e.getKey()))
                .anyMatch(e -> e.getValue().getServicesList().stream()
                        .anyMatch(s -> s.getName().equals("greeter") && s.getEndpointsCount() > 0));
        if (reachableEndpointKnown && !scenario.withPolicy()) {
            assertThat(greeter.getEndpointsList()).as("greeter's assignment").isNotEmpty();
        }
    }

    private static boolean sameNetworkAsLocal(DesiredConfig config, String cluster) {
        String local = config.getPeersList().stream().filter(p -> p.getName().equals(config.getCluster()))
                .map(ClusterPeer::getNetwork).findFirst().orElse("");
        return config.getPeersList().stream().anyMatch(p -> p.getName().equals(cluster) && p.getNetwork().equals(local));
    }

    private static ClusterInventory shuffle(ClusterInventory inventory, Random random) {
        List<InventoryService> services = new ArrayList<>();
        for (InventoryService service : inventory.getServicesList()) {
            List<InventoryEndpoint> endpoints = new ArrayList<>(service.getEndpointsList());
            Collections.shuffle(endpoints, random);
            services.add(service.toBuilder().clearEndpoints().addAllEndpoints(endpoints).build());
        }
        Collections.shuffle(services, random);
        return inventory.toBuilder().clearServices().addAllServices(services).build();
    }

    private static final List<String> CLUSTERS = List.of("east", "west", "eu", "ap");

    @Provide
    Arbitrary<FederatedScenario> federations() {
        Arbitrary<ClusterPeer> peer = Combinators.combine(
                        Arbitraries.of(CLUSTERS),
                        Arbitraries.of("us-east1", "us-west1", ""),
                        Arbitraries.of("a", "b", ""),
                        Arbitraries.of("", "", "corp"),
                        Arbitraries.of("", "198.51.100.1:15443"))
                .as((name, region, zone, network, gateway) -> Federations.peer(name, region, zone, network, gateway));
        Arbitrary<InventoryEndpoint> endpoint = Combinators.combine(
                        Arbitraries.integers().between(1, 9),
                        Arbitraries.of(VERSIONS),
                        Arbitraries.of(EndpointHealth.ENDPOINT_HEALTH_HEALTHY, EndpointHealth.ENDPOINT_HEALTH_UNHEALTHY,
                                EndpointHealth.ENDPOINT_HEALTH_UNKNOWN))
                .as((host, version, health) -> Federations.endpoint("10.0.0." + host, 8080, health, "version", version));
        Arbitrary<ClusterInventory> inventory = Combinators.combine(
                        Arbitraries.of(CLUSTERS), endpoint.list().ofMaxSize(5), endpoint.list().ofMaxSize(3))
                .as((cluster, greeters, frontends) -> Federations.inventory(cluster)
                        .service("greeter", greeters.toArray(InventoryEndpoint[]::new))
                        .service("frontend", frontends.toArray(InventoryEndpoint[]::new))
                        .build());
        Arbitrary<DesiredConfig> config = Combinators.combine(
                        peer.list().ofMaxSize(4).uniqueElements(ClusterPeer::getName), Arbitraries.of(true, false),
                        Arbitraries.of(true, false),
                        Arbitraries.of(true, false))
                .as((peers, strict, policy, split) -> {
                    DesiredConfig.Builder builder = DesiredConfigs.config(5, "greeter", "frontend").toBuilder()
                            .setCluster("east").addAllPeers(peers);
                    if (strict) {
                        builder.addPolicies(DesiredConfigs.meshMtls(dev.fedmesh.api.v1.MtlsModeSpec.Mode.MODE_STRICT));
                    }
                    if (policy) {
                        builder.addPolicies(FederatedTranslationTest.failover("greeter", 50, "west", "eu"));
                    }
                    if (split) {
                        builder.addPolicies(DesiredConfigs.trafficRoute("pinned", "frontend",
                                DesiredConfigs.split(Map.of("version", "v1"), 50).toBuilder().setCluster("west").build(),
                                DesiredConfigs.split(Map.of("version", "v2"), 50)));
                    }
                    return builder.build();
                });
        Arbitrary<Map<String, ClusterInventory>> inventories = inventory.list().ofMaxSize(4).map(list -> {
            Map<String, ClusterInventory> byCluster = new LinkedHashMap<>();
            list.forEach(i -> byCluster.putIfAbsent(i.getCluster(), i));
            return byCluster;
        });
        return Combinators.combine(config, inventories, Arbitraries.of(CLUSTERS).set().ofMaxSize(2), Arbitraries.longs())
                .as((c, inv, down, seed) -> new FederatedScenario(c, inv, down,
                        c.getPoliciesList().stream().anyMatch(p -> p.getKind().equals("Failover")), seed));
    }

    @Provide
    Arbitrary<Scenario> scenarios() {
        Arbitrary<WeightedSubset> subset = Combinators.combine(
                        Arbitraries.of(VERSIONS), Arbitraries.integers().between(0, 100))
                .as((version, weight) -> DesiredConfigs.split(Map.of("version", version), weight));
        Arbitrary<List<WeightedSubset>> splits = subset.list().ofMinSize(1).ofMaxSize(5)
                .filter(list -> list.stream().mapToInt(WeightedSubset::getWeight).sum() > 0);
        Arbitrary<ServiceEndpoint> endpoint = Combinators.combine(
                        Arbitraries.of(SERVICES),
                        Arbitraries.integers().between(1, 20),
                        Arbitraries.integers().between(8000, 8003),
                        Arbitraries.of(VERSIONS))
                .as((service, host, port, version) ->
                        new ServiceEndpoint(service, "10.0.0." + host, port, Map.of("version", version)));
        Arbitrary<List<ServiceEndpoint>> endpoints = endpoint.list().ofMaxSize(15);
        Arbitrary<Long> seeds = Arbitraries.longs();
        return Combinators.combine(splits, endpoints, seeds, Arbitraries.longs().between(1, 1_000_000))
                .as((split, eps, seed, revision) -> {
                    DesiredConfig config = DesiredConfigs.config(revision, "greeter", "frontend").toBuilder()
                            .addPolicies(DesiredConfigs.trafficRoute("split", "greeter",
                                    split.toArray(WeightedSubset[]::new)))
                            .build();
                    return new Scenario(config, eps, split, seed);
                });
    }
}

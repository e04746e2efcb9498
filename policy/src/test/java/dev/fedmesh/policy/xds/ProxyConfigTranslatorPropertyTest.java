package dev.fedmesh.policy.xds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fedmesh.api.v1.ClusterInventory;
import dev.fedmesh.api.v1.ClusterPeer;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.EndpointHealth;
import dev.fedmesh.api.v1.InventoryEndpoint;
import dev.fedmesh.api.v1.InventoryService;
import dev.fedmesh.api.v1.WeightedSubset;
import dev.fedmesh.policy.testing.ForAll;
import dev.fedmesh.policy.testing.Gen;
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
import org.junit.jupiter.api.Test;

class ProxyConfigTranslatorPropertyTest {

    private static final List<String> SERVICES = List.of("greeter", "frontend", "billing");
    private static final List<String> VERSIONS = List.of("v1", "v2", "v3", "v4");

    record Scenario(DesiredConfig config, List<ServiceEndpoint> endpoints, List<WeightedSubset> split, long seed) {
    }

    @Test
    void sameInputGivesByteIdenticalOutputWhateverTheEndpointOrder() {
        ForAll.cases(200, scenarios(), scenario -> {
            List<ServiceEndpoint> shuffled = new ArrayList<>(scenario.endpoints());
            Collections.shuffle(shuffled, new Random(scenario.seed()));

            byte[] first = XdsJson.render(new ProxyConfigTranslator().translate(scenario.config(), scenario.endpoints()))
                    .getBytes(StandardCharsets.UTF_8);
            byte[] second = XdsJson.render(new ProxyConfigTranslator().translate(scenario.config(), shuffled))
                    .getBytes(StandardCharsets.UTF_8);

            assertThat(second).isEqualTo(first);
        });
    }

    @Test
    void routedWeightsAlwaysAddUpToTheSplitsTotal() {
        ForAll.cases(200, scenarios(), scenario -> {
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
        });
    }

    record FederatedScenario(DesiredConfig config, Map<String, ClusterInventory> inventories, Set<String> unreachable,
                             boolean withPolicy, long seed) {
    }

    @Test
    void federatedOutputIsByteIdenticalWhateverTheOrderOfPeersInventoriesAndEndpoints() {
        ForAll.cases(200, federations(), scenario -> {
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
        });
    }

    @Test
    void aTranslatorThatRemembersItsAssignmentsGivesWhatAFreshOneGivesWhateverCameBefore() {
        ProxyConfigTranslator remembering = new ProxyConfigTranslator();
        ForAll.cases(300, federations(), scenario -> {
            // Half the time the same config with one cluster's inventory or the unreachable set changed,
            // the way changes reach an agent; else whatever came next.
            String fresh = XdsJson.render(new ProxyConfigTranslator().translate(scenario.config(), scenario.inventories(),
                    scenario.unreachable()::contains));

            String remembered = XdsJson.render(remembering.translate(scenario.config(), scenario.inventories(),
                    scenario.unreachable()::contains));

            assertThat(remembered).isEqualTo(fresh);
            Random random = new Random(scenario.seed());
            Map<String, ClusterInventory> changed = new LinkedHashMap<>(scenario.inventories());
            if (!changed.isEmpty()) {
                String cluster = new ArrayList<>(changed.keySet()).get(random.nextInt(changed.size()));
                ClusterInventory.Builder inventory = changed.get(cluster).toBuilder();
                if (inventory.getServicesCount() > 0 && inventory.getServices(0).getEndpointsCount() > 0) {
                    InventoryService.Builder service = inventory.getServicesBuilder(0);
                    service.setEndpoints(0, service.getEndpoints(0).toBuilder().setHealth(
                            service.getEndpoints(0).getHealth() == EndpointHealth.ENDPOINT_HEALTH_UNHEALTHY
                                    ? EndpointHealth.ENDPOINT_HEALTH_HEALTHY : EndpointHealth.ENDPOINT_HEALTH_UNHEALTHY));
                } else {
                    inventory.addServices(InventoryService.newBuilder().setName("greeter")
                            .addEndpoints(Federations.endpoint("10.0.9.9", 8080, EndpointHealth.ENDPOINT_HEALTH_HEALTHY,
                                    "version", "v1")));
                }
                changed.put(cluster, inventory.build());
            }
            Set<String> down = random.nextBoolean() ? scenario.unreachable() : Set.of(CLUSTERS.get(random.nextInt(4)));
            assertThat(XdsJson.render(remembering.translate(scenario.config(), changed, down::contains)))
                    .isEqualTo(XdsJson.render(new ProxyConfigTranslator().translate(scenario.config(), changed,
                            down::contains)));
        });
    }

    @Test
    void aChangeOfOneServicesEndpointsAssignsThatServiceAgainAndReusesEveryOtherAssignment() {
        DesiredConfig config = DesiredConfigs.config(1, "greeter", "frontend").toBuilder()
                .setCluster("east")
                .addPeers(Federations.peer("east", "us", "a", "", ""))
                .addPeers(Federations.peer("west", "us", "b", "", ""))
                .build();
        ClusterInventory west = Federations.inventory("west")
                .service("greeter", Federations.endpoint("10.0.1.1", 8080, EndpointHealth.ENDPOINT_HEALTH_HEALTHY))
                .service("frontend", Federations.endpoint("10.0.1.2", 8080, EndpointHealth.ENDPOINT_HEALTH_HEALTHY))
                .build();
        ProxyConfigTranslator translator = new ProxyConfigTranslator();
        XdsResources before = translator.translate(config, Map.of("west", west), cluster -> false);

        int greeter = west.getServices(0).getName().equals("greeter") ? 0 : 1;
        ClusterInventory westAgain = west.toBuilder().setServices(greeter, west.getServices(greeter).toBuilder()
                .addEndpoints(Federations.endpoint("10.0.1.3", 8080, EndpointHealth.ENDPOINT_HEALTH_HEALTHY))).build();
        XdsResources after = translator.translate(config, Map.of("west", westAgain), cluster -> false);

        assertThat(FederatedTranslationTest.assignment(after, "outbound|frontend"))
                .as("the same instance").isSameAs(FederatedTranslationTest.assignment(before, "outbound|frontend"));
        assertThat(FederatedTranslationTest.assignment(after, "outbound|greeter").getEndpoints(0).getLbEndpointsCount()).isEqualTo(2);
        assertThat(XdsJson.render(after)).isEqualTo(XdsJson.render(new ProxyConfigTranslator().translate(config,
                Map.of("west", westAgain), cluster -> false)));
    }

    @Test
    void everyAssignmentIsValidWithContiguousPrioritiesAndNeverEmptyWhileAReachableEndpointIsKnown() {
        ForAll.cases(200, federations(), scenario -> {
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
        });
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

    private static Gen<FederatedScenario> federations() {
        Gen<String> cluster = Gen.of(CLUSTERS);
        Gen<String> region = Gen.of("us-east1", "us-west1", "");
        Gen<String> zone = Gen.of("a", "b", "");
        Gen<String> network = Gen.of("", "", "corp");
        Gen<String> gateway = Gen.of("", "198.51.100.1:15443");
        Gen<ClusterPeer> peer = random -> Federations.peer(cluster.next(random), region.next(random), zone.next(random),
                network.next(random), gateway.next(random));
        Gen<Integer> host = Gen.integers(1, 9);
        Gen<String> version = Gen.of(VERSIONS);
        Gen<EndpointHealth> health = Gen.of(EndpointHealth.ENDPOINT_HEALTH_HEALTHY, EndpointHealth.ENDPOINT_HEALTH_UNHEALTHY,
                EndpointHealth.ENDPOINT_HEALTH_UNKNOWN);
        Gen<InventoryEndpoint> endpoint = random -> Federations.endpoint("10.0.0." + host.next(random), 8080,
                health.next(random), "version", version.next(random));
        Gen<List<InventoryEndpoint>> greeters = endpoint.list(0, 5);
        Gen<List<InventoryEndpoint>> frontends = endpoint.list(0, 3);
        Gen<ClusterInventory> inventory = random -> Federations.inventory(cluster.next(random))
                .service("greeter", greeters.next(random).toArray(InventoryEndpoint[]::new))
                .service("frontend", frontends.next(random).toArray(InventoryEndpoint[]::new))
                .build();
        Gen<List<ClusterPeer>> peers = peer.uniqueList(0, 4, ClusterPeer::getName);
        Gen<DesiredConfig> config = random -> {
            DesiredConfig.Builder builder = DesiredConfigs.config(5, "greeter", "frontend").toBuilder()
                    .setCluster("east").addAllPeers(peers.next(random));
            if (random.nextBoolean()) {
                builder.addPolicies(DesiredConfigs.meshMtls(dev.fedmesh.api.v1.MtlsModeSpec.Mode.MODE_STRICT));
            }
            if (random.nextBoolean()) {
                builder.addPolicies(FederatedTranslationTest.failover("greeter", 50, "west", "eu"));
            }
            if (random.nextBoolean()) {
                builder.addPolicies(DesiredConfigs.trafficRoute("pinned", "frontend",
                        DesiredConfigs.split(Map.of("version", "v1"), 50).toBuilder().setCluster("west").build(),
                        DesiredConfigs.split(Map.of("version", "v2"), 50)));
            }
            return builder.build();
        };
        Gen<Map<String, ClusterInventory>> inventories = inventory.list(0, 4).map(list -> {
            Map<String, ClusterInventory> byCluster = new LinkedHashMap<>();
            list.forEach(i -> byCluster.putIfAbsent(i.getCluster(), i));
            return byCluster;
        });
        Gen<Set<String>> down = cluster.uniqueList(0, 2).map(Set::copyOf);
        return random -> {
            DesiredConfig c = config.next(random);
            return new FederatedScenario(c, inventories.next(random), down.next(random),
                    c.getPoliciesList().stream().anyMatch(p -> p.getKind().equals("Failover")), random.nextLong());
        };
    }

    private static Gen<Scenario> scenarios() {
        Gen<String> version = Gen.of(VERSIONS);
        Gen<Integer> weight = Gen.integers(0, 100);
        Gen<WeightedSubset> subset = random -> DesiredConfigs.split(Map.of("version", version.next(random)), weight.next(random));
        Gen<List<WeightedSubset>> splits = subset.list(1, 5)
                .filter(list -> list.stream().mapToInt(WeightedSubset::getWeight).sum() > 0);
        Gen<String> service = Gen.of(SERVICES);
        Gen<Integer> host = Gen.integers(1, 20);
        Gen<Integer> port = Gen.integers(8000, 8003);
        Gen<ServiceEndpoint> endpoint = random -> new ServiceEndpoint(service.next(random), "10.0.0." + host.next(random),
                port.next(random), Map.of("version", version.next(random)));
        Gen<List<ServiceEndpoint>> endpoints = endpoint.list(0, 15);
        Gen<Long> revisions = Gen.longs(1, 1_000_000);
        return random -> {
            List<WeightedSubset> split = splits.next(random);
            DesiredConfig config = DesiredConfigs.config(revisions.next(random), "greeter", "frontend").toBuilder()
                    .addPolicies(DesiredConfigs.trafficRoute("split", "greeter", split.toArray(WeightedSubset[]::new)))
                    .build();
            return new Scenario(config, endpoints.next(random), split, random.nextLong());
        };
    }
}

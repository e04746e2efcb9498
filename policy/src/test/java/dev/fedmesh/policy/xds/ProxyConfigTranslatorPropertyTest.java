package dev.fedmesh.policy.xds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.WeightedSubset;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
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

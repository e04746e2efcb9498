package dev.fedmesh.policy.xds;

import static dev.fedmesh.policy.xds.DesiredConfigs.config;
import static dev.fedmesh.policy.xds.DesiredConfigs.split;
import static dev.fedmesh.policy.xds.DesiredConfigs.trafficRoute;
import static org.assertj.core.api.Assertions.assertThat;

import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.api.v1.TrafficRouteHeaderMatch;
import dev.fedmesh.api.v1.TrafficRouteMatch;
import dev.fedmesh.api.v1.TrafficRouteRule;
import dev.fedmesh.api.v1.TrafficRouteSpec;
import dev.fedmesh.api.v1.WeightedSubset;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.route.v3.Route;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The xDS resources of a TrafficRoute with rules: matchers, rewrite, timeouts and splits pinned to clusters. */
class ProxyConfigTranslatorRulesTest {

    private static final List<ServiceEndpoint> ENDPOINTS = List.of(
            new ServiceEndpoint("greeter", "10.0.0.12", 8080, Map.of("version", "v2")),
            new ServiceEndpoint("greeter", "10.0.0.10", 8080, Map.of("version", "v1")),
            new ServiceEndpoint("frontend", "10.0.1.10", 9090, Map.of()));

    private final ProxyConfigTranslator translator = new ProxyConfigTranslator();

    @Test
    void rulesBecomeOrderedRoutesWithMatchersRewriteTimeoutAndAWholeServiceDefault() {
        DesiredConfig config = config(9, "greeter", "frontend").toBuilder().addPolicies(canaryRules()).build();

        XdsResources resources = translator.translate(config, ENDPOINTS);

        List<Route> routes = resources.routes().get(1).getVirtualHosts(0).getRoutesList();
        assertThat(routes).extracting(Route::getName).containsExactly("canary/0", "canary/1", "canary/2", "default");
        assertThat(routes.get(3).getRoute().getCluster()).isEqualTo("outbound|greeter");
        assertThat(resources.clusters()).extracting(Cluster::getName).containsExactly(
                "outbound|frontend",
                "outbound|greeter",
                "outbound|greeter|version=v1",
                "outbound|greeter|version=v2",
                "outbound|greeter|version=v2|cluster=eu-west-1",
                "outbound|greeter|version=v2|cluster=us-east-1");
        assertValidAndGolden("rules-match-rewrite-timeout-clusters", resources);
    }

    @Test
    void aSplitPinnedToTheLocalClusterGetsItsEndpointsAndOneToAClusterWithoutAnInventoryGetsNone() {
        DesiredConfig config = config(9, "greeter").toBuilder().addPolicies(canaryRules()).build();

        XdsResources resources = translator.translate(config, ENDPOINTS);

        assertThat(endpointCount(resources, "outbound|greeter|version=v2|cluster=eu-west-1")).isEqualTo(1);
        assertThat(endpointCount(resources, "outbound|greeter|version=v2|cluster=us-east-1")).isZero();
        assertThat(resources.endpoints()).extracting(ClusterLoadAssignment::getClusterName)
                .contains("outbound|greeter|version=v2|cluster=us-east-1");
    }

    @Test
    void theShortFormStillGivesOneDefaultRoute() {
        DesiredConfig config = config(9, "greeter").toBuilder()
                .addPolicies(trafficRoute("split", "greeter", split(Map.of("version", "v1"), 100))).build();

        List<Route> routes = translator.translate(config, ENDPOINTS).routes().get(0).getVirtualHosts(0).getRoutesList();

        assertThat(routes).singleElement().satisfies(route -> {
            assertThat(route.getName()).isEqualTo("default");
            assertThat(route.getMatch().getPrefix()).isEqualTo("/");
        });
    }

    private static Policy canaryRules() {
        return trafficRoute("canary", "greeter").toBuilder()
                .setTrafficRoute(TrafficRouteSpec.newBuilder()
                        .addRules(TrafficRouteRule.newBuilder()
                                .setMatch(TrafficRouteMatch.newBuilder()
                                        .addHeaders(TrafficRouteHeaderMatch.newBuilder().setName("x-canary").setExact("true")))
                                .addSplit(WeightedSubset.newBuilder().putLabels("version", "v2").setCluster("eu-west-1").setWeight(50))
                                .addSplit(WeightedSubset.newBuilder().putLabels("version", "v2").setCluster("us-east-1").setWeight(50)))
                        .addRules(TrafficRouteRule.newBuilder()
                                .setMatch(TrafficRouteMatch.newBuilder().setPathPrefix("/api/").setMethod("GET")
                                        .addHeaders(TrafficRouteHeaderMatch.newBuilder().setName("x-user").setPrefix("beta-"))
                                        .addHeaders(TrafficRouteHeaderMatch.newBuilder().setName("x-debug").setPresent(true)))
                                .addSplit(split(Map.of("version", "v1"), 20))
                                .addSplit(split(Map.of("version", "v2"), 80))
                                .setRewritePrefix("/v2/")
                                .setTimeoutMs(3_250))
                        .addRules(TrafficRouteRule.newBuilder()
                                .setMatch(TrafficRouteMatch.newBuilder().setPathRegex("/items/[0-9]+"))
                                .addSplit(split(Map.of("version", "v1"), 100))
                                .setTimeoutMs(60_000)))
                .build();
    }

    private static void assertValidAndGolden(String golden, XdsResources resources) {
        EnvoyConstraints.assertAllValid(resources);
        GoldenFiles.assertMatches(golden, XdsJson.render(resources));
    }

    private static int endpointCount(XdsResources resources, String cluster) {
        return resources.endpoints().stream()
                .filter(a -> a.getClusterName().equals(cluster))
                .flatMap(a -> a.getEndpointsList().stream())
                .mapToInt(LocalityLbEndpoints::getLbEndpointsCount)
                .sum();
    }
}

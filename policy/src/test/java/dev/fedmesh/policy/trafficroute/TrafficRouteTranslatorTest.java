package dev.fedmesh.policy.trafficroute;

import static dev.fedmesh.policy.xds.DesiredConfigs.split;
import static dev.fedmesh.policy.xds.DesiredConfigs.trafficRoute;
import static dev.fedmesh.policy.xds.DesiredConfigs.versionSplit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import com.google.protobuf.util.Durations;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.api.v1.ServiceSubset;
import dev.fedmesh.api.v1.Target;
import dev.fedmesh.api.v1.TrafficRouteHeaderMatch;
import dev.fedmesh.api.v1.TrafficRouteMatch;
import dev.fedmesh.api.v1.TrafficRouteRule;
import dev.fedmesh.api.v1.TrafficRouteSpec;
import dev.fedmesh.api.v1.WeightedSubset;
import dev.fedmesh.policy.xds.EndpointSubset;
import dev.fedmesh.policy.xds.ServiceRoute;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrafficRouteTranslatorTest {

    @Test
    void splitBecomesWeightedClustersInTheGivenOrder() {
        ServiceRoute route = TrafficRouteTranslator.route("greeter", List.of(versionSplit("canary", "greeter", 20, 80)))
                .orElseThrow();

        assertThat(route.routes()).extracting(Route::getName).containsExactly("default");
        assertThat(weights(route.routes().get(0))).containsExactly(
                tuple("outbound|greeter|version=v1", 20), tuple("outbound|greeter|version=v2", 80));
        assertThat(route.routes().get(0).getRoute().getWeightedClusters().hasTotalWeight()).isFalse();
        assertThat(route.subsets()).containsExactly(
                EndpointSubset.of("greeter", Map.of("version", "v1")),
                EndpointSubset.of("greeter", Map.of("version", "v2")));
    }

    @Test
    void policyForAnotherServiceDoesNotApply() {
        assertThat(TrafficRouteTranslator.route("frontend", List.of(versionSplit("canary", "greeter", 20, 80))))
                .isEmpty();
    }

    @Test
    void servicePoliciesWinOverMeshWideOnesAndAreTakenByName() {
        Policy meshWide = versionSplit("a-mesh", "ignored", 50, 50).toBuilder()
                .setTarget(Target.newBuilder().setMesh(true)).build();
        Policy second = versionSplit("z-canary", "greeter", 10, 90);
        Policy first = versionSplit("b-canary", "greeter", 30, 70);

        assertThat(TrafficRouteTranslator.policiesFor("greeter", List.of(meshWide, second, first)))
                .containsExactly(first, second);
        assertThat(TrafficRouteTranslator.policiesFor("billing", List.of(meshWide, second, first)))
                .containsExactly(meshWide);
    }

    @Test
    void whenTwoPoliciesClaimTheSameMatchTheFirstByNameWins() {
        Policy second = versionSplit("z-canary", "greeter", 10, 90);
        Policy first = versionSplit("b-canary", "greeter", 30, 70);

        ServiceRoute route = TrafficRouteTranslator.route("greeter", List.of(second, first)).orElseThrow();

        assertThat(route.routes()).singleElement().satisfies(r -> assertThat(weights(r)).containsExactly(
                tuple("outbound|greeter|version=v1", 30), tuple("outbound|greeter|version=v2", 70)));
    }

    @Test
    void policyNarrowedToSourcesIsNotAppliedToEveryCaller() {
        Policy fromFrontend = versionSplit("canary", "greeter", 20, 80).toBuilder()
                .addFrom(ServiceSubset.newBuilder().setService("frontend")).build();

        assertThat(TrafficRouteTranslator.route("greeter", List.of(fromFrontend))).isEmpty();
    }

    @Test
    void otherKindsAreIgnored() {
        Policy retry = versionSplit("canary", "greeter", 20, 80).toBuilder().setKind("Retry").build();

        assertThat(TrafficRouteTranslator.route("greeter", List.of(retry))).isEmpty();
    }

    @Test
    void targetLabelsNarrowEverySplitAndSameSelectorsMerge() {
        Policy policy = trafficRoute("eu", "greeter",
                        split(Map.of("version", "v1"), 30), split(Map.of("version", "v2"), 60),
                        split(Map.of("version", "v1"), 10))
                .toBuilder()
                .setTarget(Target.newBuilder().setService(
                        ServiceSubset.newBuilder().setService("greeter").putLabels("region", "eu")))
                .build();

        ServiceRoute route = TrafficRouteTranslator.route("greeter", List.of(policy)).orElseThrow();

        assertThat(weights(route.routes().get(0))).containsExactly(
                tuple("outbound|greeter|region=eu,version=v1", 40), tuple("outbound|greeter|region=eu,version=v2", 60));
    }

    @Test
    void splitWhoseWeightsAddUpToZeroIsNotTranslated() {
        assertThat(TrafficRouteTranslator.route("greeter", List.of(versionSplit("broken", "greeter", 0, 0)))).isEmpty();
    }

    @Test
    void rulesBecomeRoutesInOrderWithTheCatchAllLast() {
        Policy policy = rules("canary",
                TrafficRouteRule.newBuilder()
                        .setMatch(TrafficRouteMatch.newBuilder().setPathPrefix("/api/").setMethod("GET")
                                .addHeaders(TrafficRouteHeaderMatch.newBuilder().setName("x-canary").setExact("true")))
                        .addSplit(split(Map.of("version", "v2"), 100))
                        .setRewritePrefix("/v2/")
                        .setTimeoutMs(3_500)
                        .build(),
                TrafficRouteRule.newBuilder()
                        .setMatch(TrafficRouteMatch.newBuilder().setPathRegex("/items/[0-9]+"))
                        .addSplit(split(Map.of("version", "v1"), 100))
                        .build(),
                TrafficRouteRule.newBuilder().addSplit(split(Map.of("version", "v1"), 100)).build());

        ServiceRoute route = TrafficRouteTranslator.route("greeter", List.of(policy)).orElseThrow();

        assertThat(route.routes()).extracting(Route::getName).containsExactly("canary/0", "canary/1", "default");
        Route canary = route.routes().get(0);
        assertThat(canary.getMatch().getPrefix()).isEqualTo("/api/");
        assertThat(canary.getMatch().getHeadersList())
                .extracting(HeaderMatcher::getName, h -> h.getStringMatch().getExact())
                .containsExactly(tuple(":method", "GET"), tuple("x-canary", "true"));
        assertThat(canary.getRoute().getPrefixRewrite()).isEqualTo("/v2/");
        assertThat(Durations.toMillis(canary.getRoute().getTimeout())).isEqualTo(3_500);
        assertThat(Durations.toMillis(canary.getRoute().getMaxStreamDuration().getMaxStreamDuration())).isEqualTo(3_500);
        assertThat(route.routes().get(1).getMatch().getSafeRegex().getRegex()).isEqualTo("/items/[0-9]+");
        assertThat(route.routes().get(2).getMatch().getPrefix()).isEqualTo("/");
    }

    @Test
    void withoutACatchAllRuleTheRemainingCallsGoToTheWholeService() {
        Policy policy = rules("canary", TrafficRouteRule.newBuilder()
                .setMatch(TrafficRouteMatch.newBuilder().addHeaders(
                        TrafficRouteHeaderMatch.newBuilder().setName("x-canary").setPresent(true)))
                .addSplit(split(Map.of("version", "v2"), 100))
                .build());

        ServiceRoute route = TrafficRouteTranslator.route("greeter", List.of(policy)).orElseThrow();

        assertThat(route.routes()).extracting(Route::getName).containsExactly("canary/0", "default");
        assertThat(route.routes().get(0).getMatch().getHeaders(0).getPresentMatch()).isTrue();
        assertThat(route.routes().get(1).getRoute().getCluster()).isEqualTo("outbound|greeter");
        assertThat(route.subsets()).containsExactly(
                EndpointSubset.of("greeter", Map.of("version", "v2")), EndpointSubset.all("greeter"));
    }

    @Test
    void rulesOfSeveralPoliciesAreMergedByNameAndTheCatchAllStaysLast() {
        Policy catchAll = versionSplit("a-split", "greeter", 50, 50);
        Policy canary = rules("b-canary", TrafficRouteRule.newBuilder()
                .setMatch(TrafficRouteMatch.newBuilder().setPathExact("/hello"))
                .addSplit(split(Map.of("version", "v2"), 100))
                .build());

        ServiceRoute route = TrafficRouteTranslator.route("greeter", List.of(canary, catchAll)).orElseThrow();

        assertThat(route.routes()).extracting(Route::getName).containsExactly("b-canary/0", "default");
        assertThat(route.routes().get(0).getMatch().getPath()).isEqualTo("/hello");
        assertThat(weights(route.routes().get(1))).containsExactly(
                tuple("outbound|greeter|version=v1", 50), tuple("outbound|greeter|version=v2", 50));
    }

    @Test
    void aSplitPinnedToAClusterGetsAClusterNameOfItsOwn() {
        Policy policy = trafficRoute("cross", "greeter",
                split(Map.of("version", "v1"), 80),
                WeightedSubset.newBuilder().putLabels("version", "v2").setCluster("west").setWeight(20).build());

        ServiceRoute route = TrafficRouteTranslator.route("greeter", List.of(policy)).orElseThrow();

        assertThat(weights(route.routes().get(0))).containsExactly(
                tuple("outbound|greeter|version=v1", 80), tuple("outbound|greeter|version=v2|cluster=west", 20));
        assertThat(route.subsets()).contains(EndpointSubset.of("greeter", Map.of("version", "v2"), "west"));
    }

    private static Policy rules(String name, TrafficRouteRule... rules) {
        return trafficRoute(name, "greeter").toBuilder()
                .setTrafficRoute(TrafficRouteSpec.newBuilder().addAllRules(List.of(rules)))
                .build();
    }

    private static List<org.assertj.core.groups.Tuple> weights(Route route) {
        return route.getRoute().getWeightedClusters().getClustersList().stream()
                .map((WeightedCluster.ClusterWeight w) -> tuple(w.getName(), w.getWeight().getValue()))
                .toList();
    }
}

package dev.fedmesh.policy.trafficroute;

import static dev.fedmesh.policy.xds.DesiredConfigs.split;
import static dev.fedmesh.policy.xds.DesiredConfigs.trafficRoute;
import static dev.fedmesh.policy.xds.DesiredConfigs.versionSplit;
import static org.assertj.core.api.Assertions.assertThat;

import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.api.v1.ServiceSubset;
import dev.fedmesh.api.v1.Target;
import dev.fedmesh.policy.xds.EndpointSubset;
import dev.fedmesh.policy.xds.ServiceRoute;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrafficRouteTranslatorTest {

    @Test
    void splitBecomesWeightedClustersInTheGivenOrder() {
        ServiceRoute route = TrafficRouteTranslator.route("greeter", List.of(versionSplit("canary", "greeter", 20, 80)))
                .orElseThrow();

        assertThat(route.action().getWeightedClusters().getClustersList())
                .extracting(WeightedCluster.ClusterWeight::getName, w -> w.getWeight().getValue())
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("outbound|greeter|version=v1", 20),
                        org.assertj.core.groups.Tuple.tuple("outbound|greeter|version=v2", 80));
        assertThat(route.action().getWeightedClusters().hasTotalWeight()).isFalse();
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
    void servicePolicyWinsOverMeshWideOneAndFirstNameWinsAmongEquals() {
        Policy meshWide = versionSplit("a-mesh", "ignored", 50, 50).toBuilder()
                .setTarget(Target.newBuilder().setMesh(true)).build();
        Policy second = versionSplit("z-canary", "greeter", 10, 90);
        Policy first = versionSplit("b-canary", "greeter", 30, 70);

        assertThat(TrafficRouteTranslator.policyFor("greeter", List.of(meshWide, second, first)))
                .contains(first);
        assertThat(TrafficRouteTranslator.policyFor("billing", List.of(meshWide, second, first)))
                .contains(meshWide);
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

        ServiceRoute route = TrafficRouteTranslator.translate("greeter", policy).orElseThrow();

        assertThat(route.action().getWeightedClusters().getClustersList())
                .extracting(WeightedCluster.ClusterWeight::getName, w -> w.getWeight().getValue())
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("outbound|greeter|region=eu,version=v1", 40),
                        org.assertj.core.groups.Tuple.tuple("outbound|greeter|region=eu,version=v2", 60));
    }

    @Test
    void splitWhoseWeightsAddUpToZeroIsNotTranslated() {
        assertThat(TrafficRouteTranslator.translate("greeter", versionSplit("broken", "greeter", 0, 0))).isEmpty();
    }
}

package dev.fedmesh.policy.compiler;

import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.policy.document.PolicyDocument;
import dev.fedmesh.policy.document.PolicyJson;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.SortedMap;

import static org.assertj.core.api.Assertions.assertThat;

class ConfigDiffTest {

    @Test
    void changingAWeightShowsTheRouteChangedInEveryCluster() {
        SortedMap<String, DesiredConfig> before = DesiredConfigCompiler.compile(tenant(1, route(100), List.of("east", "west")));
        SortedMap<String, DesiredConfig> after = DesiredConfigCompiler.compile(tenant(2, route(20), List.of("east", "west")));

        ConfigDiff diff = ConfigDiff.between(before, after);

        assertThat(diff.clusters()).extracting(ConfigDiff.ClusterChange::cluster).containsExactly("east", "west");
        assertThat(diff.clusters()).allSatisfy(change -> {
            assertThat(change.changed()).isTrue();
            assertThat(change.policiesChanged()).containsExactly("TrafficRoute/greeter-split");
            assertThat(change.policiesAdded()).isEmpty();
        });
    }

    @Test
    void aNewRevisionWithTheSameContentChangesNothing() {
        ConfigDiff diff = ConfigDiff.between(
                DesiredConfigCompiler.compile(tenant(1, route(20), List.of("east"))),
                DesiredConfigCompiler.compile(tenant(2, route(20), List.of("east"))));

        assertThat(diff.clusters()).singleElement().satisfies(change -> assertThat(change.changed()).isFalse());
    }

    @Test
    void aNewClusterAndANewPolicyAreReportedAsAdded() {
        ConfigDiff diff = ConfigDiff.between(
                DesiredConfigCompiler.compile(new TenantState("acme", 1,
                        List.of(new ClusterInfo("east", null, null, null, Map.of())), List.of(), List.of())),
                DesiredConfigCompiler.compile(tenant(2, route(20), List.of("east", "west"))));

        assertThat(diff.clusters().get(0).policiesAdded()).containsExactly("TrafficRoute/greeter-split");
        assertThat(diff.clusters().get(0).servicesAdded()).containsExactly("greeter");
        assertThat(diff.clusters().get(1).clusterAdded()).isTrue();
    }

    @Test
    void anotherClustersNewGatewayChangesEveryClustersConfig() {
        List<ClusterInfo> before = List.of(new ClusterInfo("east", "us-east1", "b", "net-1", Map.of()),
                new ClusterInfo("west", "us-west1", "a", "net-2", Map.of()));
        List<ClusterInfo> after = List.of(new ClusterInfo("east", "us-east1", "b", "net-1", "gw.east.example.com:15443", Map.of()),
                new ClusterInfo("west", "us-west1", "a", "net-2", Map.of()));

        ConfigDiff diff = ConfigDiff.between(
                DesiredConfigCompiler.compile(new TenantState("acme", 1, before, List.of(), List.of())),
                DesiredConfigCompiler.compile(new TenantState("acme", 2, after, List.of(), List.of())));

        assertThat(diff.clusters()).allSatisfy(change -> {
            assertThat(change.changed()).isTrue();
            assertThat(change.peersChanged()).containsExactly("east");
            assertThat(change.peersAdded()).isEmpty();
        });
    }

    private static TenantState tenant(long revision, PolicyDocument route, List<String> clusters) {
        return new TenantState("acme", revision,
                clusters.stream().map(name -> new ClusterInfo(name, null, null, null, Map.of())).toList(),
                List.of(), List.of(route));
    }

    private static PolicyDocument route(int v1) {
        return PolicyJson.read(PolicyJson.parse("""
                {"kind": "TrafficRoute", "name": "greeter-split", "target": {"service": "greeter"},
                 "spec": {"split": [{"subset": {"version": "v1"}, "weight": %d},
                                    {"subset": {"version": "v2"}, "weight": %d}]}}""".formatted(v1, 100 - v1)), null);
    }
}

package dev.fedmesh.agent.xds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fedmesh.policy.xds.XdsResources;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetiringClustersTest {
    private static final long LINGER = RetiringClusters.LINGER.toNanos();

    private final RetiringClusters retiring = new RetiringClusters();

    @Test
    void aClusterNoLongerNamedIsServedWithItsLastEndpointsUntilItsLingerEnds() {
        retiring.serve(resources("outbound|greeter|version=v1", "outbound|other"), 0);

        XdsResources pinned = retiring.serve(resources("outbound|greeter|version=v1|west", "outbound|other"), 100);

        assertThat(names(pinned)).containsExactly("outbound|greeter|version=v1", "outbound|greeter|version=v1|west",
                "outbound|other");
        assertThat(pinned.endpoints()).extracting(ClusterLoadAssignment::getClusterName)
                .containsExactly("outbound|greeter|version=v1", "outbound|greeter|version=v1|west", "outbound|other");
        assertThat(pinned.endpoints().get(0).getEndpointsCount()).isEqualTo(1);
        assertThat(retiring.nextExpiry()).hasValue(100 + LINGER);

        // Later changes keep it until its time, without extending it.
        XdsResources later = retiring.serve(resources("outbound|greeter|version=v1|west", "outbound|other"), 100 + LINGER - 1);
        assertThat(names(later)).contains("outbound|greeter|version=v1");
        assertThat(retiring.nextExpiry()).hasValue(100 + LINGER);

        XdsResources after = retiring.serve(resources("outbound|greeter|version=v1|west", "outbound|other"), 100 + LINGER);
        assertThat(names(after)).containsExactly("outbound|greeter|version=v1|west", "outbound|other");
        assertThat(retiring.nextExpiry()).isEmpty();
        assertThat(retiring.names()).isEmpty();
    }

    @Test
    void aClusterNamedAgainIsCurrentAgainAndNothingRetiresWhenNothingLeft() {
        XdsResources first = resources("a", "b");
        assertThat(retiring.serve(first, 0)).isSameAs(first);
        retiring.serve(resources("a"), 1);
        assertThat(retiring.names()).containsExactly("b");

        XdsResources back = retiring.serve(resources("a", "b"), 2);

        assertThat(names(back)).containsExactly("a", "b");
        assertThat(retiring.names()).isEmpty();
        assertThat(retiring.nextExpiry()).isEmpty();
    }

    private static List<String> names(XdsResources resources) {
        return resources.clusters().stream().map(Cluster::getName).toList();
    }

    private static XdsResources resources(String... clusters) {
        List<Cluster> clusterList = java.util.Arrays.stream(clusters)
                .map(name -> Cluster.newBuilder().setName(name).build()).toList();
        List<ClusterLoadAssignment> assignments = java.util.Arrays.stream(clusters)
                .map(name -> ClusterLoadAssignment.newBuilder().setClusterName(name)
                        .addEndpoints(LocalityLbEndpoints.getDefaultInstance()).build())
                .toList();
        return new XdsResources(List.of(), List.of(), clusterList, assignments);
    }
}

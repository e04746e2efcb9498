package dev.fedmesh.policy.failover;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fedmesh.policy.failover.FailoverPlanner.Endpoints;
import dev.fedmesh.policy.failover.FailoverPlanner.Plan;
import dev.fedmesh.policy.failover.FailoverPlanner.Site;
import dev.fedmesh.policy.failover.FailoverPlanner.Step;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FailoverPlannerTest {

    private static final Site EAST = new Site("east", "us-east1", "us-east1-b");
    private static final Site EAST_B2 = new Site("east-b2", "us-east1", "us-east1-b");
    private static final Site EAST_C = new Site("east-c", "us-east1", "us-east1-c");
    private static final Site WEST = new Site("west", "us-west1", "us-west1-a");
    private static final Site EU = new Site("eu", "eu-central1", "");
    private static final List<Site> SITES = List.of(WEST, EU, EAST_C, EAST, EAST_B2);

    private static Map<String, Endpoints> allHealthy(int each) {
        return Map.of("east", healthy(each, each), "east-b2", healthy(each, each), "east-c", healthy(each, each),
                "west", healthy(each, each), "eu", healthy(each, each));
    }

    private static Endpoints healthy(int healthy, int total) {
        return new Endpoints(total, healthy);
    }

    private static Plan plan(Map<String, Endpoints> endpoints, Optional<Failover> policy, Set<String> down) {
        return FailoverPlanner.plan(EAST, SITES, endpoints, policy, site -> down.contains(site.cluster()));
    }

    private static List<String> reasons(List<Step> steps) {
        return steps.stream().map(Step::reason).toList();
    }

    @Test
    void withoutAPolicyCallersPreferTheirClusterThenZoneThenRegionThenAnywhere() {
        Plan plan = plan(allHealthy(2), Optional.empty(), Set.of());

        assertThat(reasons(plan.served())).containsExactly(
                "own cluster", "zone us-east1-b", "region us-east1", "anywhere");
        assertThat(plan.served()).extracting(Step::clusters).containsExactly(
                List.of("east"), List.of("east-b2"), List.of("east-c"), List.of("eu", "west"));
        assertThat(plan.priorities()).containsExactlyInAnyOrderEntriesOf(
                Map.of("east", 0, "east-b2", 1, "east-c", 2, "eu", 3, "west", 3));
        assertThat(plan.panic()).isFalse();
        assertThat(plan.unserved()).isEmpty();
    }

    @Test
    void healthyNearEndpointsKeepAllTrafficAndNothingMovesWithoutAFailure() {
        Plan plan = plan(allHealthy(3), Optional.empty(), Set.of());

        assertThat(plan.active()).map(Step::clusters).contains(List.of("east"));
    }

    @Test
    void aPolicysOrderReplacesNearestFirstAndClustersItLeavesOutGetNothing() {
        Failover policy = new Failover(List.of(new Failover.Step.Cluster("west"),
                new Failover.Step.Locality("eu-central1", null)), 70);

        Plan plan = plan(allHealthy(2), Optional.of(policy), Set.of());

        assertThat(reasons(plan.served())).containsExactly(
                "own cluster", "order[0]: cluster west", "order[1]: region eu-central1");
        assertThat(plan.priorities()).containsOnlyKeys("east", "west", "eu");
        assertThat(plan.unserved()).isEmpty();
    }

    @Test
    void threshold50With4EndpointsHolds3HealthyAndFailsOverWith1() {
        Failover policy = new Failover(List.of(new Failover.Step.Cluster("west")), 50);

        Plan threeHealthy = plan(Map.of("east", healthy(3, 4), "west", healthy(4, 4)), Optional.of(policy), Set.of());
        Plan oneHealthy = plan(Map.of("east", healthy(1, 4), "west", healthy(4, 4)), Optional.of(policy), Set.of());

        assertThat(threeHealthy.active()).map(Step::clusters).contains(List.of("east"));
        assertThat(threeHealthy.priorities()).containsExactlyInAnyOrderEntriesOf(Map.of("east", 0, "west", 1));
        assertThat(oneHealthy.active()).map(Step::clusters).contains(List.of("west"));
        assertThat(oneHealthy.priorities())
                .as("the own cluster's last healthy endpoint stays as the fallback after west")
                .containsExactlyInAnyOrderEntriesOf(Map.of("west", 0, "east", 1));
        assertThat(oneHealthy.thresholdPercent()).isEqualTo(50);
    }

    @Test
    void exactlyTheThresholdIsEnoughAndJustBelowIsNot() {
        Failover policy = new Failover(List.of(new Failover.Step.Cluster("west")), 50);

        assertThat(plan(Map.of("east", healthy(2, 4), "west", healthy(4, 4)), Optional.of(policy), Set.of()).active())
                .map(Step::clusters).contains(List.of("east"));
        assertThat(plan(Map.of("east", healthy(49, 100), "west", healthy(4, 4)), Optional.of(policy), Set.of()).active())
                .map(Step::clusters).contains(List.of("west"));
    }

    @Test
    void theDefaultThresholdIsSeventyPercent() {
        Plan holds = plan(Map.of("east", healthy(7, 10), "west", healthy(1, 1)), Optional.empty(), Set.of());
        Plan moves = plan(Map.of("east", healthy(6, 10), "west", healthy(1, 1)), Optional.empty(), Set.of());

        assertThat(holds.thresholdPercent()).isEqualTo(Failover.DEFAULT_HEALTHY_PERCENT_THRESHOLD);
        assertThat(holds.active()).map(Step::clusters).contains(List.of("east"));
        assertThat(moves.active()).map(Step::clusters).contains(List.of("west"));
    }

    @Test
    void aStepWithNoHealthyEndpointIsNotServed() {
        Plan plan = plan(Map.of("east", healthy(0, 2), "east-c", healthy(0, 3), "west", healthy(2, 2)),
                Optional.empty(), Set.of());

        assertThat(plan.served()).extracting(Step::clusters).containsExactly(List.of("west"));
        assertThat(plan.unserved()).extracting(Step::clusters).containsExactly(List.of("east"), List.of("east-c"));
        assertThat(plan.panic()).isFalse();
    }

    @Test
    void whenNoStepIsHealthyEnoughTheNearestWithAHealthyEndpointTakesTheTraffic() {
        Plan plan = plan(Map.of("east", healthy(0, 4), "east-c", healthy(1, 4), "west", healthy(1, 4)),
                Optional.empty(), Set.of());

        assertThat(plan.served()).extracting(Step::clusters).containsExactly(List.of("east-c"), List.of("west"));
        assertThat(plan.unserved()).extracting(Step::clusters).containsExactly(List.of("east"));
    }

    @Test
    void noHealthyEndpointAnywhereIsPanicAndEveryStepIsServedAsItIs() {
        Plan plan = plan(Map.of("east", healthy(0, 2), "west", healthy(0, 1)), Optional.empty(), Set.of());

        assertThat(plan.panic()).isTrue();
        assertThat(plan.served()).extracting(Step::clusters).containsExactly(List.of("east"), List.of("west"));
        assertThat(plan.unserved()).isEmpty();
    }

    @Test
    void aClusterThatIsDownCountsAsUnhealthyWhateverItReports() {
        Plan eastCDown = plan(Map.of("east", healthy(0, 2), "east-c", healthy(2, 2), "west", healthy(2, 2)),
                Optional.empty(), Set.of("east-c"));
        Plan allDown = plan(Map.of("east", healthy(2, 2), "west", healthy(2, 2)), Optional.empty(), Set.of("east", "west"));

        assertThat(eastCDown.served()).extracting(Step::clusters).containsExactly(List.of("west"));
        assertThat(eastCDown.unserved()).extracting(Step::endpoints)
                .containsExactly(healthy(0, 2), healthy(0, 2));
        assertThat(allDown.panic()).isTrue();
    }

    @Test
    void noClusterRunningTheServiceMeansAnEmptyPlanNotAPanic() {
        Plan plan = plan(Map.of(), Optional.empty(), Set.of());

        assertThat(plan.served()).isEmpty();
        assertThat(plan.active()).isEmpty();
        assertThat(plan.panic()).isFalse();
    }

    @Test
    void theOrderSitesArriveInChangesNothing() {
        List<Site> reversed = new java.util.ArrayList<>(SITES);
        java.util.Collections.reverse(reversed);
        Map<String, Endpoints> endpoints = Map.of("east", healthy(1, 4), "east-c", healthy(3, 3), "west", healthy(2, 2),
                "eu", healthy(1, 1));

        assertThat(FailoverPlanner.plan(EAST, reversed, endpoints, Optional.empty(), site -> false))
                .isEqualTo(plan(endpoints, Optional.empty(), Set.of()));
    }
}

package dev.fedmesh.policy.trafficroute;

import com.google.protobuf.UInt32Value;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.api.v1.WeightedSubset;
import dev.fedmesh.policy.xds.EndpointSubset;
import dev.fedmesh.policy.xds.ServiceRoute;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * TrafficRoute's xDS translation: a weighted split of a service's calls across endpoint subsets,
 * as weighted clusters with one EDS cluster per distinct label selector.
 *
 * <p>Zero weights are kept: a 0-weight cluster is valid for Envoy and gRPC (only the sum must be
 * above 0), and keeping it warm lets a later shift of weight take effect without a new cluster.
 * {@code total_weight} is not set: it is deprecated in v3 and both read the sum of the weights.
 */
public final class TrafficRouteTranslator {

    /** The policy kind this translator handles. */
    public static final String KIND = "TrafficRoute";

    private TrafficRouteTranslator() {
    }

    /**
     * The route TrafficRoute gives the service, or empty when no TrafficRoute applies to it (the
     * caller then routes to the whole service).
     */
    public static Optional<ServiceRoute> route(String service, List<Policy> policies) {
        return policyFor(service, policies).flatMap(policy -> translate(service, policy));
    }

    /**
     * The TrafficRoute that decides the service's route: one aimed at the service wins over a
     * mesh-wide one; among those, the first by name. Policies narrowed with {@code from} are
     * skipped: every proxy of a cluster gets the same resources, so a source-specific split
     * cannot be expressed yet and would otherwise reach every caller.
     */
    public static Optional<Policy> policyFor(String service, List<Policy> policies) {
        return policies.stream()
                .filter(p -> KIND.equals(p.getKind()) && p.hasTrafficRoute() && p.getFromCount() == 0)
                .filter(p -> targetsService(p, service) || p.getTarget().getMesh())
                .min(Comparator.<Policy>comparingInt(p -> targetsService(p, service) ? 0 : 1)
                        .thenComparing(Policy::getName));
    }

    /**
     * The weighted clusters of one TrafficRoute for one service. Each split's selector is the
     * target's labels plus the split's own (the split's win); splits with the same selector are
     * merged, their weights added, in order of first appearance. Empty when the weights add up to
     * 0, which Envoy and gRPC would both reject.
     */
    public static Optional<ServiceRoute> translate(String service, Policy policy) {
        Map<String, String> targetLabels = policy.getTarget().hasService()
                ? policy.getTarget().getService().getLabelsMap()
                : Map.of();
        Map<EndpointSubset, Long> weights = new LinkedHashMap<>();
        long total = 0;
        for (WeightedSubset split : policy.getTrafficRoute().getSplitList()) {
            Map<String, String> selector = new TreeMap<>(targetLabels);
            selector.putAll(split.getLabelsMap());
            long weight = Integer.toUnsignedLong(split.getWeight());
            weights.merge(EndpointSubset.of(service, selector), weight, Long::sum);
            total += weight;
        }
        if (total <= 0 || total > 0xFFFF_FFFFL) {
            return Optional.empty();
        }
        WeightedCluster.Builder clusters = WeightedCluster.newBuilder();
        weights.forEach((subset, weight) -> clusters.addClusters(WeightedCluster.ClusterWeight.newBuilder()
                .setName(subset.clusterName())
                .setWeight(UInt32Value.of((int) (long) weight))));
        RouteAction action = RouteAction.newBuilder().setWeightedClusters(clusters).build();
        return Optional.of(new ServiceRoute(action, List.copyOf(weights.keySet())));
    }

    private static boolean targetsService(Policy policy, String service) {
        return policy.getTarget().hasService() && policy.getTarget().getService().getService().equals(service);
    }
}

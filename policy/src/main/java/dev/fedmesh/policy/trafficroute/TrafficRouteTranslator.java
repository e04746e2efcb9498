package dev.fedmesh.policy.trafficroute;

import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.api.v1.TrafficRouteHeaderMatch;
import dev.fedmesh.api.v1.TrafficRouteMatch;
import dev.fedmesh.api.v1.TrafficRouteRule;
import dev.fedmesh.api.v1.WeightedSubset;
import dev.fedmesh.policy.xds.EndpointSubset;
import dev.fedmesh.policy.xds.ServiceRoute;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * TrafficRoute's xDS translation: the rules of a service's TrafficRoutes become its routes, in
 * order, each with matchers (path exact/prefix/RE2 regex, {@code :method}, headers), weighted
 * clusters (one EDS cluster per distinct label selector and pinned cluster), prefix rewrite and
 * timeout. The rule that matches every call becomes the last route, {@code default}; without one,
 * the default route takes the remaining calls to the whole service, so calls no rule matches
 * still arrive (as with Kuma's default route, unlike Istio's 404).
 *
 * <p>Zero weights are kept: a 0-weight cluster is valid for Envoy and gRPC (only the sum must be
 * above 0), and keeping it warm lets a later shift of weight take effect without a new cluster.
 * {@code total_weight} is not set: it is deprecated in v3 and both read the sum of the weights.
 * A timeout is set both as {@code timeout} (read by Envoy) and {@code max_stream_duration} (read
 * by proxyless gRPC). Proxyless gRPC ignores {@code prefix_rewrite}; Envoy applies it.
 */
public final class TrafficRouteTranslator {

    /** The policy kind this translator handles. */
    public static final String KIND = "TrafficRoute";

    private TrafficRouteTranslator() {
    }

    /**
     * The routes the service's TrafficRoutes give it, or empty when none applies (the caller then
     * routes every call to the whole service). Rules of several TrafficRoutes are taken in order of
     * policy name, then rule order; a rule whose match an earlier one already claimed is skipped
     * (the API refuses such contradictions, this keeps older stored data deterministic), as is a
     * rule whose weights add up to 0, which Envoy and gRPC would both reject.
     */
    public static Optional<ServiceRoute> route(String service, List<Policy> policies) {
        List<Route> routes = new ArrayList<>();
        Route catchAll = null;
        Set<EndpointSubset> subsets = new LinkedHashSet<>();
        Set<String> claimed = new HashSet<>();
        for (Policy policy : policiesFor(service, policies)) {
            List<TrafficRouteRule> rules = rulesOf(policy);
            for (int i = 0; i < rules.size(); i++) {
                TrafficRouteRule rule = rules.get(i);
                RouteMatch match = fromWire(rule.getMatch());
                if (!claimed.add(match.key())) {
                    continue;
                }
                Optional<RouteAction> action = action(service, policy, rule, subsets);
                if (action.isEmpty()) {
                    continue;
                }
                if (match.matchesEverything()) {
                    catchAll = ServiceRoute.defaultRoute(action.get());
                } else {
                    routes.add(Route.newBuilder()
                            .setName(policy.getName() + "/" + i)
                            .setMatch(toEnvoy(match))
                            .setRoute(action.get())
                            .build());
                }
            }
        }
        if (routes.isEmpty() && catchAll == null) {
            return Optional.empty();
        }
        if (catchAll == null) {
            ServiceRoute whole = ServiceRoute.wholeService(service);
            catchAll = whole.routes().get(0);
            subsets.addAll(whole.subsets());
        }
        routes.add(catchAll);
        return Optional.of(new ServiceRoute(routes, List.copyOf(subsets)));
    }

    /**
     * The TrafficRoutes that decide the service's routes, by name: those aimed at the service, or
     * when there are none the mesh-wide ones. Policies narrowed with {@code from} are skipped:
     * every proxy of a cluster gets the same resources, so a source-specific route cannot be
     * expressed yet and would otherwise reach every caller.
     */
    public static List<Policy> policiesFor(String service, List<Policy> policies) {
        List<Policy> routes = policies.stream()
                .filter(p -> KIND.equals(p.getKind()) && p.hasTrafficRoute() && p.getFromCount() == 0)
                .sorted(Comparator.comparing(Policy::getName))
                .toList();
        List<Policy> forService = routes.stream().filter(p -> targetsService(p, service)).toList();
        return forService.isEmpty() ? routes.stream().filter(p -> p.getTarget().getMesh()).toList() : forService;
    }

    /** The rules of a policy; the short form is one rule without a match. */
    private static List<TrafficRouteRule> rulesOf(Policy policy) {
        if (policy.getTrafficRoute().getRulesCount() > 0) {
            return policy.getTrafficRoute().getRulesList();
        }
        return List.of(TrafficRouteRule.newBuilder().addAllSplit(policy.getTrafficRoute().getSplitList()).build());
    }

    /**
     * The weighted clusters of one rule, with its rewrite and timeout. Each split's selector is the
     * target's labels plus the split's own (the split's win); splits with the same selector and
     * cluster are merged, their weights added, in order of first appearance.
     */
    private static Optional<RouteAction> action(
            String service, Policy policy, TrafficRouteRule rule, Set<EndpointSubset> subsets) {
        Map<String, String> targetLabels = policy.getTarget().hasService()
                ? policy.getTarget().getService().getLabelsMap()
                : Map.of();
        Map<EndpointSubset, Long> weights = new LinkedHashMap<>();
        long total = 0;
        for (WeightedSubset split : rule.getSplitList()) {
            Map<String, String> selector = new TreeMap<>(targetLabels);
            selector.putAll(split.getLabelsMap());
            String cluster = split.getCluster().isEmpty() ? null : split.getCluster();
            long weight = Integer.toUnsignedLong(split.getWeight());
            weights.merge(EndpointSubset.of(service, selector, cluster), weight, Long::sum);
            total += weight;
        }
        if (total <= 0 || total > 0xFFFF_FFFFL) {
            return Optional.empty();
        }
        WeightedCluster.Builder clusters = WeightedCluster.newBuilder();
        weights.forEach((subset, weight) -> clusters.addClusters(WeightedCluster.ClusterWeight.newBuilder()
                .setName(subset.clusterName())
                .setWeight(UInt32Value.of((int) (long) weight))));
        subsets.addAll(weights.keySet());
        RouteAction.Builder action = RouteAction.newBuilder().setWeightedClusters(clusters);
        if (!rule.getRewritePrefix().isEmpty()) {
            action.setPrefixRewrite(rule.getRewritePrefix());
        }
        if (rule.getTimeoutMs() > 0) {
            Duration timeout = Duration.newBuilder()
                    .setSeconds(rule.getTimeoutMs() / 1000)
                    .setNanos((int) (rule.getTimeoutMs() % 1000) * 1_000_000)
                    .build();
            action.setTimeout(timeout)
                    .setMaxStreamDuration(RouteAction.MaxStreamDuration.newBuilder().setMaxStreamDuration(timeout));
        }
        return Optional.of(action.build());
    }

    static RouteMatch fromWire(TrafficRouteMatch match) {
        RouteMatch.PathMatch path = switch (match.getPathCase()) {
            case PATH_EXACT -> new RouteMatch.PathMatch(RouteMatch.PathMatchType.EXACT, match.getPathExact());
            case PATH_PREFIX -> new RouteMatch.PathMatch(RouteMatch.PathMatchType.PREFIX, match.getPathPrefix());
            case PATH_REGEX -> new RouteMatch.PathMatch(RouteMatch.PathMatchType.REGEX, match.getPathRegex());
            case PATH_NOT_SET -> null;
        };
        List<RouteMatch.HeaderMatch> headers = new ArrayList<>();
        for (TrafficRouteHeaderMatch header : match.getHeadersList()) {
            switch (header.getValueCase()) {
                case EXACT -> headers.add(new RouteMatch.HeaderMatch(header.getName(), RouteMatch.HeaderMatchType.EXACT, header.getExact()));
                case PREFIX -> headers.add(new RouteMatch.HeaderMatch(header.getName(), RouteMatch.HeaderMatchType.PREFIX, header.getPrefix()));
                default -> headers.add(new RouteMatch.HeaderMatch(header.getName(), RouteMatch.HeaderMatchType.PRESENT, null));
            }
        }
        return new RouteMatch(path, match.getMethod().isEmpty() ? null : match.getMethod(), headers);
    }

    private static io.envoyproxy.envoy.config.route.v3.RouteMatch toEnvoy(RouteMatch match) {
        io.envoyproxy.envoy.config.route.v3.RouteMatch.Builder envoy = io.envoyproxy.envoy.config.route.v3.RouteMatch.newBuilder();
        if (match.path() == null) {
            envoy.setPrefix("/");
        } else {
            switch (match.path().type()) {
                case EXACT -> envoy.setPath(match.path().value());
                case PREFIX -> envoy.setPrefix(match.path().value());
                case REGEX -> envoy.setSafeRegex(RegexMatcher.newBuilder().setRegex(match.path().value()));
            }
        }
        if (match.method() != null) {
            envoy.addHeaders(HeaderMatcher.newBuilder()
                    .setName(":method")
                    .setStringMatch(StringMatcher.newBuilder().setExact(match.method())));
        }
        for (RouteMatch.HeaderMatch header : match.headers()) {
            HeaderMatcher.Builder matcher = HeaderMatcher.newBuilder().setName(header.name());
            switch (header.type()) {
                case EXACT -> matcher.setStringMatch(StringMatcher.newBuilder().setExact(header.value()));
                case PREFIX -> matcher.setStringMatch(StringMatcher.newBuilder().setPrefix(header.value()));
                case PRESENT -> matcher.setPresentMatch(true);
            }
            envoy.addHeaders(matcher);
        }
        return envoy.build();
    }

    private static boolean targetsService(Policy policy, String service) {
        return policy.getTarget().hasService() && policy.getTarget().getService().getService().equals(service);
    }
}

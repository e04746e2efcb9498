package dev.fedmesh.policy.faultinjection;

import com.google.protobuf.Any;
import dev.fedmesh.api.v1.FaultInjectionSpec;
import dev.fedmesh.api.v1.Policy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * FaultInjection's xDS translation: Envoy's {@code envoy.filters.http.fault} HTTP filter
 * (gRFC A33), placed before the router in the HttpConnectionManager of the service's client
 * ApiListener (proxyless gRPC) and of an Envoy sidecar's outbound listener to the service: a fault is
 * injected once, by the caller, whichever data plane the callee runs.
 *
 * <p>A FaultInjection for the whole service is the filter's own config. One for a subset rides on the
 * service's routes instead, as the filter's per-route config ({@code typed_per_filter_config}) of
 * each weighted cluster whose subset lies within it (gRFC A39; Envoy reads the same): it disturbs the
 * calls a route sends to that subset, replacing the whole service's fault for them, and no call a
 * route sends to the whole service, even one that reaches the subset's endpoints, since which
 * endpoint a call reaches is chosen after the filter ran. Every proxy of a cluster gets the same
 * listeners and routes, so a FaultInjection narrowed to some callers ({@code from}) disturbs no
 * call rather than every call.
 *
 * <p>Shares are written per million, the finest {@link FractionalPercent} both proxies read. An
 * HTTP status abort reaches a gRPC caller as the gRPC status its HTTP code maps to (grpc-java's
 * {@code GrpcUtil.httpStatusToGrpcStatus}: 503 is UNAVAILABLE, 403 PERMISSION_DENIED, …).
 */
public final class FaultInjectionTranslator {

    /** Name of Envoy's fault HTTP filter; the type of its config tells gRPC which filter it is. */
    public static final String FAULT_FILTER = "envoy.filters.http.fault";

    private static final int PER_MILLION_PER_PERCENT = 10_000;

    private FaultInjectionTranslator() {
    }

    /**
     * The fault filter of the calls to {@code service}, when a FaultInjection disturbs them all or
     * those a route sends to a subset: its config is the whole service's fault (none: an empty one,
     * which disturbs nothing), a subset's is added to the routes by {@link #withSubsetFaults}.
     */
    public static Optional<HttpFilter> httpFilter(String service, List<Policy> policies) {
        Optional<HTTPFault> whole = fault(service, policies);
        if (whole.isEmpty() && faultsOf(service, policies).noneMatch(p -> p.getTarget().getService().getLabelsCount() > 0)) {
            return Optional.empty();
        }
        return Optional.of(HttpFilter.newBuilder()
                .setName(FAULT_FILTER)
                .setTypedConfig(Any.pack(whole.orElse(HTTPFault.getDefaultInstance())))
                .build());
    }

    /**
     * The faults of every call to {@code service}: the FaultInjection targeting the whole service
     * with no {@code from} (the API allows one; should stored data hold more, the first by name).
     */
    public static Optional<HTTPFault> fault(String service, List<Policy> policies) {
        return faultsOf(service, policies)
                .filter(p -> p.getTarget().getService().getLabelsCount() == 0)
                .min(Comparator.comparing(Policy::getName))
                .map(p -> fault(p.getFaultInjection()));
    }

    /**
     * The faults of the calls a route sends to the endpoints of {@code service} labelled
     * {@code selector}: the FaultInjection of the subset with the most labels that all lie in
     * {@code selector}, then by name; empty when none (the whole service's fault, if any, applies).
     */
    public static Optional<HTTPFault> subsetFault(String service, Map<String, String> selector, List<Policy> policies) {
        return faultsOf(service, policies)
                .filter(p -> p.getTarget().getService().getLabelsCount() > 0
                        && selector.entrySet().containsAll(p.getTarget().getService().getLabelsMap().entrySet()))
                .max(Comparator.comparingInt((Policy p) -> p.getTarget().getService().getLabelsCount())
                        .thenComparing(Policy::getName, Comparator.reverseOrder()))
                .map(p -> fault(p.getFaultInjection()));
    }

    /**
     * {@code routes} of {@code service} with each weighted cluster whose subset (its labels, from
     * {@code selectorOfCluster}) has a fault of its own carrying it as the fault filter's per-route
     * config; the routes themselves when no subset of the service has one.
     */
    public static List<Route> withSubsetFaults(String service, List<Route> routes,
                                               Function<String, Map<String, String>> selectorOfCluster,
                                               List<Policy> policies) {
        if (faultsOf(service, policies).noneMatch(p -> p.getTarget().getService().getLabelsCount() > 0)) {
            return routes;
        }
        return routes.stream().map(route -> {
            if (!route.getRoute().hasWeightedClusters()) {
                return route;
            }
            WeightedCluster.Builder clusters = route.getRoute().getWeightedClusters().toBuilder();
            for (WeightedCluster.ClusterWeight.Builder weight : clusters.getClustersBuilderList()) {
                subsetFault(service, selectorOfCluster.apply(weight.getName()), policies)
                        .ifPresent(fault -> weight.putTypedPerFilterConfig(FAULT_FILTER, Any.pack(fault)));
            }
            return route.toBuilder().setRoute(route.getRoute().toBuilder().setWeightedClusters(clusters)).build();
        }).toList();
    }

    /** The FaultInjections of calls to {@code service} from every caller, by name. */
    private static Stream<Policy> faultsOf(String service, List<Policy> policies) {
        return policies.stream()
                .filter(p -> FaultInjectionKind.NAME.equals(p.getKind()) && p.hasFaultInjection())
                .filter(p -> p.getTarget().hasService()
                        && p.getTarget().getService().getService().equals(service)
                        && p.getFromCount() == 0)
                .sorted(Comparator.comparing(Policy::getName));
    }

    private static HTTPFault fault(FaultInjectionSpec spec) {
        HTTPFault.Builder fault = HTTPFault.newBuilder();
        if (spec.hasDelay()) {
            fault.setDelay(FaultDelay.newBuilder()
                    .setFixedDelay(spec.getDelay().getDuration())
                    .setPercentage(perMillion(spec.getDelay().getPercentage())));
        }
        if (spec.hasAbort()) {
            FaultAbort.Builder abort = FaultAbort.newBuilder().setPercentage(perMillion(spec.getAbort().getPercentage()));
            if (spec.getAbort().getStatusCase() == FaultInjectionSpec.Abort.StatusCase.GRPC_STATUS) {
                abort.setGrpcStatus(spec.getAbort().getGrpcStatus());
            } else {
                abort.setHttpStatus(spec.getAbort().getHttpStatus());
            }
            fault.setAbort(abort);
        }
        return fault.build();
    }

    /** A share in percent (0..100, fractions allowed) as parts per million. */
    static FractionalPercent perMillion(double percentage) {
        return FractionalPercent.newBuilder()
                .setNumerator((int) Math.round(percentage * PER_MILLION_PER_PERCENT))
                .setDenominator(FractionalPercent.DenominatorType.MILLION)
                .build();
    }
}

package dev.fedmesh.policy.circuitbreaker;

import com.google.protobuf.UInt32Value;
import dev.fedmesh.api.v1.CircuitBreakerSpec;
import dev.fedmesh.api.v1.Policy;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.SelfConfigSource;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * CircuitBreaker's xDS translation: the {@code circuit_breakers} and {@code outlier_detection} of
 * the clusters that call a service (or a subset of it). The policy for a cluster is the one whose
 * target is the cluster's service and whose subset the cluster's labels contain (the most specific
 * first, then by name), else the mesh's (first by name).
 *
 * <p>What each proxy honours: Envoy all of it. Proxyless gRPC (gRFC A32, A50) only
 * {@code max_requests} of the DEFAULT priority, and of outlier detection only the interval, the
 * ejection time and percent, success-rate and failure-percentage ejection; it ignores
 * {@code consecutive_5xx} and {@code consecutive_gateway_failure}. gRPC turns failure-percentage
 * ejection on unless {@code enforcing_failure_percentage} is 0, Envoy only when it is above 0, so it
 * is always written: 100 with {@code failurePercentage}, 0 without, and both proxies agree.
 *
 * <p>grpc-java (1.85.1) counts a cluster's requests in flight only while it reports the cluster's
 * load, so a cluster limiting requests also names its management server as load-report server
 * ({@link #loadReportServer}). The agent answers that stream and asks for no cluster's load.
 */
public final class CircuitBreakerTranslator {

    /** Percent of detected outliers actually ejected when an ejection is asked for. */
    static final int ENFORCED = 100;

    private CircuitBreakerTranslator() {
    }

    /** The thresholds of the clusters calling the whole {@code service}, if a CircuitBreaker sets any. */
    public static Optional<CircuitBreakers> circuitBreakers(String service, List<Policy> policies) {
        return circuitBreakers(service, Map.of(), policies);
    }

    /** The thresholds of the cluster calling the endpoints of {@code service} labelled {@code subset}. */
    public static Optional<CircuitBreakers> circuitBreakers(String service, Map<String, String> subset,
                                                            List<Policy> policies) {
        return policyFor(service, subset, policies).flatMap(CircuitBreakerTranslator::thresholds);
    }

    /** The outlier detection of the clusters calling the whole {@code service}, if its CircuitBreaker has one. */
    public static Optional<OutlierDetection> outlierDetection(String service, List<Policy> policies) {
        return outlierDetection(service, Map.of(), policies);
    }

    /** The outlier detection of the cluster calling the endpoints of {@code service} labelled {@code subset}. */
    public static Optional<OutlierDetection> outlierDetection(String service, Map<String, String> subset,
                                                              List<Policy> policies) {
        return policyFor(service, subset, policies)
                .filter(CircuitBreakerSpec::hasOutlierDetection)
                .map(spec -> outlierDetection(spec.getOutlierDetection()));
    }

    /**
     * The load-report server ({@code lrs_server}, the management server itself) of a cluster with
     * these thresholds, when they limit requests: without it grpc-java never counts them.
     */
    public static Optional<ConfigSource> loadReportServer(CircuitBreakers breakers) {
        boolean limitsRequests = breakers.getThresholdsList().stream()
                .anyMatch(thresholds -> thresholds.getPriority() == RoutingPriority.DEFAULT && thresholds.hasMaxRequests());
        return limitsRequests
                ? Optional.of(ConfigSource.newBuilder().setSelf(SelfConfigSource.getDefaultInstance()).build())
                : Optional.empty();
    }

    /**
     * The CircuitBreaker deciding for the cluster: the service's whose subset {@code labels} contain,
     * the most labels first, then by name; else the mesh's, by name.
     */
    static Optional<CircuitBreakerSpec> policyFor(String service, Map<String, String> labels, List<Policy> policies) {
        List<Policy> breakers = policies.stream()
                .filter(p -> CircuitBreakerKind.NAME.equals(p.getKind()) && p.hasCircuitBreaker())
                .sorted(Comparator.comparing(Policy::getName))
                .toList();
        return breakers.stream()
                .filter(p -> p.getTarget().hasService()
                        && p.getTarget().getService().getService().equals(service)
                        && labels.entrySet().containsAll(p.getTarget().getService().getLabelsMap().entrySet()))
                .max(Comparator.comparingInt((Policy p) -> p.getTarget().getService().getLabelsCount())
                        .thenComparing(Policy::getName, Comparator.reverseOrder()))
                .or(() -> breakers.stream().filter(p -> p.getTarget().getMesh()).findFirst())
                .map(Policy::getCircuitBreaker);
    }

    private static Optional<CircuitBreakers> thresholds(CircuitBreakerSpec spec) {
        if (!spec.hasMaxConnections() && !spec.hasMaxPendingRequests() && !spec.hasMaxRequests() && !spec.hasMaxRetries()) {
            return Optional.empty();
        }
        CircuitBreakers.Thresholds.Builder thresholds = CircuitBreakers.Thresholds.newBuilder()
                .setPriority(RoutingPriority.DEFAULT);
        if (spec.hasMaxConnections()) {
            thresholds.setMaxConnections(UInt32Value.of(spec.getMaxConnections()));
        }
        if (spec.hasMaxPendingRequests()) {
            thresholds.setMaxPendingRequests(UInt32Value.of(spec.getMaxPendingRequests()));
        }
        if (spec.hasMaxRequests()) {
            thresholds.setMaxRequests(UInt32Value.of(spec.getMaxRequests()));
        }
        if (spec.hasMaxRetries()) {
            thresholds.setMaxRetries(UInt32Value.of(spec.getMaxRetries()));
        }
        return Optional.of(CircuitBreakers.newBuilder().addThresholds(thresholds).build());
    }

    private static OutlierDetection outlierDetection(CircuitBreakerSpec.OutlierDetection spec) {
        OutlierDetection.Builder detection = OutlierDetection.newBuilder();
        if (spec.hasConsecutive5Xx()) {
            detection.setConsecutive5Xx(UInt32Value.of(spec.getConsecutive5Xx()));
        }
        if (spec.hasConsecutiveGatewayErrors()) {
            // Envoy leaves gateway-failure ejection off (enforcing 0) unless told otherwise.
            detection.setConsecutiveGatewayFailure(UInt32Value.of(spec.getConsecutiveGatewayErrors()))
                    .setEnforcingConsecutiveGatewayFailure(UInt32Value.of(ENFORCED));
        }
        if (spec.hasInterval()) {
            detection.setInterval(spec.getInterval());
        }
        if (spec.hasBaseEjectionTime()) {
            detection.setBaseEjectionTime(spec.getBaseEjectionTime());
        }
        if (spec.hasMaxEjectionPercent()) {
            detection.setMaxEjectionPercent(UInt32Value.of(spec.getMaxEjectionPercent()));
        }
        if (spec.hasFailurePercentage()) {
            CircuitBreakerSpec.FailurePercentage failures = spec.getFailurePercentage();
            detection.setEnforcingFailurePercentage(UInt32Value.of(ENFORCED));
            if (failures.hasThreshold()) {
                detection.setFailurePercentageThreshold(UInt32Value.of(failures.getThreshold()));
            }
            if (failures.hasMinimumHosts()) {
                detection.setFailurePercentageMinimumHosts(UInt32Value.of(failures.getMinimumHosts()));
            }
            if (failures.hasRequestVolume()) {
                detection.setFailurePercentageRequestVolume(UInt32Value.of(failures.getRequestVolume()));
            }
        } else {
            detection.setEnforcingFailurePercentage(UInt32Value.of(0));
        }
        return detection.build();
    }
}

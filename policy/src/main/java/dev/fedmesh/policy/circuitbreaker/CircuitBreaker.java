package dev.fedmesh.policy.circuitbreaker;

import dev.fedmesh.policy.document.PolicySpec;

import java.time.Duration;

/**
 * Limits the connections and requests a target's endpoints get, and ejects endpoints that keep
 * failing. A null field is not set: the proxy's default applies.
 */
public record CircuitBreaker(
        Integer maxConnections,
        Integer maxPendingRequests,
        Integer maxRequests,
        Integer maxRetries,
        OutlierDetection outlierDetection) implements PolicySpec {

    /**
     * Ejection of failing endpoints; present with every field null means the proxy's defaults.
     * Proxyless gRPC ignores the two consecutive counts (gRFC A50): {@code failurePercentage} is
     * the ejection both it and Envoy perform.
     */
    public record OutlierDetection(
            Integer consecutive5xx,
            Integer consecutiveGatewayErrors,
            Duration interval,
            Duration baseEjectionTime,
            Integer maxEjectionPercent,
            FailurePercentage failurePercentage) {
    }

    /**
     * Ejects an endpoint once {@code threshold} percent of its requests in one interval failed,
     * when it got at least {@code requestVolume} of them and the target has at least
     * {@code minimumHosts} endpoints. A null field keeps the default (85, 5, 50).
     */
    public record FailurePercentage(Integer threshold, Integer minimumHosts, Integer requestVolume) {
    }
}

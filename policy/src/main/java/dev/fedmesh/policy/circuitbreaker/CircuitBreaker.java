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

    /** Ejection of failing endpoints; present with every field null means the proxy's defaults. */
    public record OutlierDetection(
            Integer consecutive5xx,
            Integer consecutiveGatewayErrors,
            Duration interval,
            Duration baseEjectionTime,
            Integer maxEjectionPercent) {
    }
}

package dev.fedmesh.policy.healthcheck;

import dev.fedmesh.policy.document.PolicySpec;

import java.time.Duration;

/** Active health checking of a service's endpoints: how often, how long, how many, and how. */
public record HealthCheck(
        Duration interval,
        Duration timeout,
        int unhealthyThreshold,
        int healthyThreshold,
        Probe probe) implements PolicySpec {

    /** How one endpoint is checked: exactly one protocol. */
    public sealed interface Probe permits Http, Grpc, Tcp {
    }

    /** An HTTP GET of {@code path}; it passes when the answer's status is one of {@code expectedStatuses} (200 by default). */
    public record Http(String path, java.util.List<Integer> expectedStatuses) implements Probe {
        public Http {
            expectedStatuses = java.util.List.copyOf(expectedStatuses);
        }
    }

    /** The standard gRPC health check for {@code serviceName} ("" asks about the whole server). */
    public record Grpc(String serviceName) implements Probe {
    }

    /** A TCP connect; it passes when the connection opens. */
    public record Tcp() implements Probe {
    }
}

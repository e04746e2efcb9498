package dev.fedmesh.policy.document;

import dev.fedmesh.policy.trafficroute.TrafficRouteKind;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The registry of policy kinds: adding a kind adds one line here. */
public final class PolicyKinds {
    private static final Map<String, PolicyKind<?>> KINDS = List.<PolicyKind<?>>of(
                    new dev.fedmesh.policy.circuitbreaker.CircuitBreakerKind(),
                    new dev.fedmesh.policy.faultinjection.FaultInjectionKind(),
                    new dev.fedmesh.policy.healthcheck.HealthCheckKind(),
                    new dev.fedmesh.policy.ratelimit.RateLimitKind(),
                    new dev.fedmesh.policy.retry.RetryKind(),
                    new dev.fedmesh.policy.timeout.TimeoutKind(),
                    new dev.fedmesh.policy.failover.FailoverKind(),
                    new dev.fedmesh.policy.mtlsmode.MtlsModeKind(),
                    new dev.fedmesh.policy.trafficpermission.TrafficPermissionKind(),
                    new TrafficRouteKind())
            .stream()
            .collect(Collectors.toMap(PolicyKind::name, Function.identity(), (a, b) -> a, TreeMap::new));

    private PolicyKinds() {
    }

    public static Optional<PolicyKind<?>> find(String name) {
        return Optional.ofNullable(KINDS.get(name));
    }

    /** Kind names in alphabetical order, for error messages and docs. */
    public static List<String> names() {
        return List.copyOf(KINDS.keySet());
    }
}

package dev.fedmesh.policy.failover;

import dev.fedmesh.api.v1.FailoverSpec;
import dev.fedmesh.api.v1.Policy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** Finds a service's {@link Failover} among the policies a desired config carries, in their wire form. */
public final class FailoverPolicies {

    private FailoverPolicies() {
    }

    /**
     * The service's Failover, if it has one. The API allows one per service; should stored data hold
     * more, the first by name decides.
     */
    public static Optional<Failover> forService(String service, List<Policy> policies) {
        return policies.stream()
                .filter(p -> FailoverKind.NAME.equals(p.getKind()) && p.hasFailover())
                .filter(p -> p.getTarget().hasService() && p.getTarget().getService().getService().equals(service))
                .min(Comparator.comparing(Policy::getName))
                .map(p -> fromWire(p.getFailover()));
    }

    /** The record of a wire-form spec; a threshold of 0 (unset) is the default. */
    public static Failover fromWire(FailoverSpec spec) {
        List<Failover.Step> order = new ArrayList<>();
        for (FailoverSpec.Step step : spec.getOrderList()) {
            if (step.hasLocality()) {
                String zone = step.getLocality().getZone();
                order.add(new Failover.Step.Locality(step.getLocality().getRegion(), zone.isEmpty() ? null : zone));
            } else if (!step.getCluster().isEmpty()) {
                order.add(new Failover.Step.Cluster(step.getCluster()));
            }
        }
        int threshold = spec.getHealthyPercentThreshold();
        return new Failover(order, threshold < 1 || threshold > 100 ? Failover.DEFAULT_HEALTHY_PERCENT_THRESHOLD : threshold);
    }
}

package dev.fedmesh.policy.failover;

import dev.fedmesh.policy.document.PolicySpec;

import java.util.List;

/**
 * Where a service's traffic goes, in order, when too few of its endpoints in use are healthy.
 *
 * @param order                   the clusters or localities that take over, first to last
 * @param healthyPercentThreshold 1..100: below this share of healthy endpoints, traffic moves on to the next step
 */
public record Failover(List<Step> order, int healthyPercentThreshold) implements PolicySpec {
    /** Envoy's own default: with its overprovisioning factor of 1.4, a priority spills over below about 71% healthy. */
    public static final int DEFAULT_HEALTHY_PERCENT_THRESHOLD = 70;

    public Failover {
        order = List.copyOf(order);
    }

    /** One place traffic can fail over to. */
    public sealed interface Step permits Step.Cluster, Step.Locality {

        /** Every endpoint of the service in one registered cluster. */
        record Cluster(String name) implements Step {
        }

        /** Every endpoint of the service in the clusters of a region, or of one zone of it when {@code zone} is not null. */
        record Locality(String region, String zone) implements Step {

            /** Whether every endpoint of {@code other} lies in this locality too. */
            public boolean covers(Locality other) {
                return region.equals(other.region) && (zone == null || zone.equals(other.zone));
            }
        }
    }
}

package dev.fedmesh.agent.xds;

import dev.fedmesh.policy.xds.XdsResources;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Make before break for clusters. A route change that stops using a cluster (a split pinned to
 * another cluster, a subset replaced) reaches a proxy as several responses, one per resource type,
 * in no order xDS promises. Had the cluster left CDS with the change, a proxy that took the new CDS
 * before the new RDS would route its next calls to a cluster it no longer has: grpc-java fails them
 * ({@code UNAVAILABLE: ... does not exist}), Envoy answers 503. So a cluster the resources stop
 * naming is served on, with its last endpoints, for {@link #LINGER} after it was last named, and only
 * then removed. A cluster named again before that is simply current again.
 *
 * <p>Pure: the caller says what time it is, and re-serves at {@link #nextExpiry()}.
 */
final class RetiringClusters {

    /** How long a cluster no longer named stays served: far longer than any proxy takes to get a whole snapshot. */
    static final Duration LINGER = Duration.ofSeconds(10);

    private record Retiring(Cluster cluster, ClusterLoadAssignment assignment, long expiresAtNanos) {
    }

    private final Map<String, Retiring> retiring = new LinkedHashMap<>();
    private Map<String, Cluster> lastClusters = Map.of();
    private Map<String, ClusterLoadAssignment> lastAssignments = Map.of();

    /**
     * What to serve instead of {@code next} at {@code nowNanos}: {@code next}, plus every cluster that
     * an earlier call served and {@code next} no longer names, for {@link #LINGER} after it left.
     */
    XdsResources serve(XdsResources next, long nowNanos) {
        Set<String> named = new HashSet<>();
        next.clusters().forEach(cluster -> named.add(cluster.getName()));
        retiring.keySet().removeIf(named::contains);
        retiring.values().removeIf(entry -> entry.expiresAtNanos() - nowNanos <= 0);
        long expiresAt = nowNanos + LINGER.toNanos();
        lastClusters.forEach((name, cluster) -> {
            if (!named.contains(name) && !retiring.containsKey(name)) {
                retiring.put(name, new Retiring(cluster, lastAssignments.get(edsName(cluster)), expiresAt));
            }
        });
        lastClusters = new LinkedHashMap<>();
        next.clusters().forEach(cluster -> lastClusters.put(cluster.getName(), cluster));
        lastAssignments = new LinkedHashMap<>();
        next.endpoints().forEach(assignment -> lastAssignments.put(assignment.getClusterName(), assignment));
        if (retiring.isEmpty()) {
            return next;
        }
        Set<String> assigned = new HashSet<>(lastAssignments.keySet());
        List<Cluster> clusters = new ArrayList<>(next.clusters());
        List<ClusterLoadAssignment> endpoints = new ArrayList<>(next.endpoints());
        retiring.values().forEach(entry -> {
            clusters.add(entry.cluster());
            if (entry.assignment() != null && assigned.add(entry.assignment().getClusterName())) {
                endpoints.add(entry.assignment());
            }
        });
        clusters.sort(Comparator.comparing(Cluster::getName));
        endpoints.sort(Comparator.comparing(ClusterLoadAssignment::getClusterName));
        return new XdsResources(next.listeners(), next.routes(), clusters, endpoints);
    }

    /** When the first retiring cluster is due to go; empty when none is retiring. */
    OptionalLong nextExpiry() {
        return retiring.values().stream().mapToLong(Retiring::expiresAtNanos).min();
    }

    /** The names of the clusters served only because they are retiring. */
    Set<String> names() {
        return Set.copyOf(retiring.keySet());
    }

    private static String edsName(Cluster cluster) {
        String serviceName = cluster.getEdsClusterConfig().getServiceName();
        return serviceName.isEmpty() ? cluster.getName() : serviceName;
    }
}

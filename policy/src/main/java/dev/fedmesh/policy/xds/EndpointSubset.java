package dev.fedmesh.policy.xds;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The endpoints of one service whose labels contain a selector, optionally only those of one
 * named cluster; each subset becomes one EDS cluster. An empty selector is the whole service; a
 * null {@code cluster} means the endpoints the translating agent knows, wherever they run.
 */
public record EndpointSubset(String service, SortedMap<String, String> selector, String cluster) {

    /** Prefix of every cluster the translator produces for a service's callers. */
    public static final String OUTBOUND = "outbound";

    public EndpointSubset {
        Objects.requireNonNull(service, "service");
        selector = Collections.unmodifiableSortedMap(new TreeMap<>(selector == null ? Map.of() : selector));
    }

    /** The whole service: every endpoint of it. */
    public static EndpointSubset all(String service) {
        return new EndpointSubset(service, new TreeMap<>(), null);
    }

    public static EndpointSubset of(String service, Map<String, String> selector) {
        return new EndpointSubset(service, new TreeMap<>(selector), null);
    }

    /** The subset's endpoints in the named cluster only (any cluster when {@code cluster} is null). */
    public static EndpointSubset of(String service, Map<String, String> selector, String cluster) {
        return new EndpointSubset(service, new TreeMap<>(selector), cluster);
    }

    /**
     * The EDS cluster (and ClusterLoadAssignment) name: {@code outbound|<service>} for the whole
     * service, {@code outbound|<service>|k1=v1,k2=v2} (keys sorted) for a subset, and a fourth
     * part {@code |cluster=<name>} when the subset is pinned to one cluster (e.g.
     * {@code outbound|greeter|version=v2|cluster=west}, or {@code outbound|greeter||cluster=west}
     * for the whole service there), so a label named {@code cluster} can never be mistaken for it.
     */
    public String clusterName() {
        String base = OUTBOUND + "|" + service;
        String labels = selector.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
        if (cluster != null) {
            return base + "|" + labels + "|cluster=" + cluster;
        }
        return labels.isEmpty() ? base : base + "|" + labels;
    }

    /**
     * Whether the endpoint, seen by an agent of {@code localCluster}, belongs to this subset: same
     * service, labels containing the selector, and (when the subset is pinned to a cluster) that
     * cluster is the local one, since an agent only knows its own cluster's endpoints.
     */
    public boolean contains(ServiceEndpoint endpoint, String localCluster) {
        if (cluster != null && !cluster.equals(localCluster)) {
            return false;
        }
        if (!endpoint.service().equals(service)) {
            return false;
        }
        for (Map.Entry<String, String> wanted : selector.entrySet()) {
            if (!wanted.getValue().equals(endpoint.labels().get(wanted.getKey()))) {
                return false;
            }
        }
        return true;
    }
}

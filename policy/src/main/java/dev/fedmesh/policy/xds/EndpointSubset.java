package dev.fedmesh.policy.xds;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The endpoints of one service whose labels contain a selector; each subset becomes one EDS
 * cluster. An empty selector is the whole service.
 */
public record EndpointSubset(String service, SortedMap<String, String> selector) {

    /** Prefix of every cluster the translator produces for a service's callers. */
    public static final String OUTBOUND = "outbound";

    public EndpointSubset {
        Objects.requireNonNull(service, "service");
        selector = Collections.unmodifiableSortedMap(new TreeMap<>(selector == null ? Map.of() : selector));
    }

    /** The whole service: every endpoint of it. */
    public static EndpointSubset all(String service) {
        return new EndpointSubset(service, new TreeMap<>());
    }

    public static EndpointSubset of(String service, Map<String, String> selector) {
        return new EndpointSubset(service, new TreeMap<>(selector));
    }

    /**
     * The EDS cluster (and ClusterLoadAssignment) name: {@code outbound|<service>} for the whole
     * service, {@code outbound|<service>|k1=v1,k2=v2} (keys sorted) for a subset.
     */
    public String clusterName() {
        String base = OUTBOUND + "|" + service;
        if (selector.isEmpty()) {
            return base;
        }
        return base + "|" + selector.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
    }

    /** Whether the endpoint belongs to this subset: same service, and its labels contain the selector. */
    public boolean contains(ServiceEndpoint endpoint) {
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

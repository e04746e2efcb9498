package dev.fedmesh.policy.xds;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The endpoints of one service whose labels contain a selector, optionally only those of one
 * named cluster; each subset becomes one EDS cluster. An empty selector is the whole service; a
 * null {@code cluster} means the subset's endpoints in every cluster the translating agent can reach.
 */
public record EndpointSubset(String service, SortedMap<String, String> selector, String cluster) {

    /** Prefix of every cluster the translator produces for a service's callers. */
    public static final String OUTBOUND = "outbound";

    /** The DNS domain of every {@link #sniName()}: {@code .internal} is reserved for private use. */
    public static final String SNI_DOMAIN = "fedmesh.internal";

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

    /** Whether an endpoint of {@code endpointService} with these labels is of this subset, wherever it runs. */
    public boolean selects(String endpointService, Map<String, String> labels) {
        if (!service.equals(endpointService)) {
            return false;
        }
        for (Map.Entry<String, String> wanted : selector.entrySet()) {
            if (!wanted.getValue().equals(labels.get(wanted.getKey()))) {
                return false;
            }
        }
        return true;
    }

    /**
     * The TLS server name (SNI) that carries this subset through an east-west gateway: the one name
     * both the callers' clusters and the gateway's filter chains use. {@code <service>.fedmesh.internal}
     * for the whole service, {@code subset-<h>.<service>.fedmesh.internal} for a subset, where
     * {@code <h>} is the first 16 hex digits of the SHA-256 of its sorted {@code key=value} lines
     * (labels may hold characters DNS does not allow). The cluster a subset is pinned to is not part
     * of it: the gateway that receives the call is that cluster's. Service names are DNS labels
     * already, so the name is DNS-safe and far below the 255 characters Envoy and gRPC allow.
     */
    public String sniName() {
        String serviceName = service + "." + SNI_DOMAIN;
        if (selector.isEmpty()) {
            return serviceName;
        }
        StringBuilder canonical = new StringBuilder();
        selector.forEach((key, value) -> canonical.append(key).append('=').append(value).append('\n'));
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical.toString().getBytes(StandardCharsets.UTF_8));
            return "subset-" + HexFormat.of().formatHex(digest, 0, 8) + "." + serviceName;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** The same subset wherever it runs (not pinned to a cluster). */
    public EndpointSubset anywhere() {
        return cluster == null ? this : new EndpointSubset(service, selector, null);
    }
}

package dev.fedmesh.policy.compiler;

import java.util.Map;

/**
 * A registered cluster as the compiler sees it.
 *
 * @param eastWestGateway {@code host:port} of its east-west gateway ({@link EastWestGateway}), empty when it has none
 */
public record ClusterInfo(String name, String region, String zone, String network, String eastWestGateway,
                          Map<String, String> labels) {
    public ClusterInfo {
        eastWestGateway = eastWestGateway == null ? "" : eastWestGateway;
        labels = Map.copyOf(labels);
    }

    /** A cluster with no east-west gateway. */
    public ClusterInfo(String name, String region, String zone, String network, Map<String, String> labels) {
        this(name, region, zone, network, "", labels);
    }
}

package dev.fedmesh.policy.compiler;

import java.util.Map;

/** A registered cluster as the compiler sees it. */
public record ClusterInfo(String name, String region, String zone, String network, Map<String, String> labels) {
    public ClusterInfo {
        labels = Map.copyOf(labels);
    }
}

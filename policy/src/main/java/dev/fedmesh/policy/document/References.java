package dev.fedmesh.policy.document;

import java.util.Map;
import java.util.Set;

/**
 * The clusters and services a policy names, each with the field that names it, so the API can
 * refuse a policy that points at something the tenant does not have.
 */
public record References(Map<String, String> clustersByField, Map<String, String> servicesByField) {
    public static final References NONE = new References(Map.of(), Map.of());

    public References {
        clustersByField = Map.copyOf(clustersByField);
        servicesByField = Map.copyOf(servicesByField);
    }

    public Set<String> clusters() {
        return Set.copyOf(clustersByField.values());
    }
}

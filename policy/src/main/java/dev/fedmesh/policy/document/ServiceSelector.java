package dev.fedmesh.policy.document;

import java.util.Map;
import java.util.TreeMap;

/** A service, or the subset of its endpoints whose labels contain {@code subset}. */
public record ServiceSelector(String service, Map<String, String> subset) {
    public ServiceSelector {
        subset = java.util.Collections.unmodifiableMap(new TreeMap<>(subset));
    }
}

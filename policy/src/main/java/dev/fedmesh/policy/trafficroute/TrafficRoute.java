package dev.fedmesh.policy.trafficroute;

import dev.fedmesh.policy.document.PolicySpec;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Splits the traffic to a service by weight between subsets of its endpoints. */
public record TrafficRoute(List<Split> split) implements PolicySpec {
    public TrafficRoute {
        split = List.copyOf(split);
    }

    /** One share of the traffic: the endpoints whose labels contain {@code subset}, at {@code weight} percent. */
    public record Split(Map<String, String> subset, int weight) {
        public Split {
            subset = java.util.Collections.unmodifiableMap(new TreeMap<>(subset));
        }
    }
}

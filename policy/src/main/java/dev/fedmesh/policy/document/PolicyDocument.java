package dev.fedmesh.policy.document;

import java.util.List;
import java.util.Map;

/** A validated policy of any kind, in the one shape every kind shares. */
public record PolicyDocument(
        String kind,
        String name,
        Map<String, String> labels,
        Target target,
        List<ServiceSelector> from,
        PolicySpec spec) {

    public PolicyDocument {
        labels = Map.copyOf(labels);
        from = List.copyOf(from);
    }
}

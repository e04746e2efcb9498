package dev.fedmesh.controlapi.store;

import java.util.Map;

/** Which of a tenant's policies to list: any filter may be null or empty. */
public record PolicyQuery(String kind, String targetService, Map<String, String> labels, Page page) {
    public PolicyQuery {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }
}

package dev.fedmesh.controlapi.store;

import java.util.Map;

/** What a user asks for when registering a cluster. */
public record ClusterSpec(String name, String region, String zone, String network, Map<String, String> labels) {
}

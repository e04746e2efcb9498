package dev.fedmesh.controlapi.store;

import java.util.Map;

/** What a user asks for when registering a cluster; {@code eastWestGateway} is a valid {@code host:port} or null. */
public record ClusterSpec(String name, String region, String zone, String network, String eastWestGateway,
                          Map<String, String> labels) {
}

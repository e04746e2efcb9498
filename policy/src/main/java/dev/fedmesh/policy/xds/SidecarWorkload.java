package dev.fedmesh.policy.xds;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The workload an Envoy sidecar stands in front of, as its node metadata announces it: the
 * service it serves, the port callers reach it at (the sidecar's inbound port), the port the
 * application itself listens on at 127.0.0.1, its endpoint labels, the namespace of its SPIFFE id,
 * and the services it calls, each at a local port of 127.0.0.1 the application dials.
 */
public record SidecarWorkload(String service, int port, int appPort, Map<String, String> labels, String namespace,
                              Map<String, Integer> upstreams) {

    public SidecarWorkload {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(namespace, "namespace");
        labels = Map.copyOf(labels);
        upstreams = Map.copyOf(upstreams);
    }

    /**
     * A name that differs whenever the sidecar's resources could: every field, in a fixed order. The
     * agent serves each such name its own snapshot group, shared by the sidecars that announce alike.
     */
    public String key() {
        return namespace + "/" + service + "/" + port + "/" + appPort + "/" + new TreeMap<>(labels) + "/"
                + new TreeMap<>(upstreams);
    }
}

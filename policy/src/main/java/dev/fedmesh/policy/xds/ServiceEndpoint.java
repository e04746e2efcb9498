package dev.fedmesh.policy.xds;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/** One local workload endpoint of a service: where it listens and the labels subsets select it by. */
public record ServiceEndpoint(String service, String host, int port, Map<String, String> labels) {

    public ServiceEndpoint {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(host, "host");
        if (service.isBlank()) {
            throw new IllegalArgumentException("service must not be blank");
        }
        if (host.isBlank()) {
            throw new IllegalArgumentException("host must not be blank (service " + service + ")");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(
                    "port must be 1..65535, was " + port + " (service " + service + ", host " + host + ")");
        }
        labels = labels == null ? Map.of() : Map.copyOf(new TreeMap<>(labels));
    }

    /** host:port, the address this endpoint is reached at. */
    public String address() {
        return host + ":" + port;
    }
}

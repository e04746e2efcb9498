package dev.fedmesh.policy.document;

/** A kind of proxy the agents configure over xDS, each enforcing its own part of a policy. */
public enum DataPlane {
    /** A grpc-java (or other gRPC) server or client reading xDS itself, with no proxy beside it. */
    PROXYLESS_GRPC("proxyless-grpc", "proxyless gRPC servers"),
    /** An Envoy beside the workload, handling its inbound and outbound calls. */
    ENVOY_SIDECAR("envoy-sidecar", "Envoy sidecars"),
    /** A cluster's east-west Envoy gateway: it passes TLS through by SNI, so it sees no request. */
    ENVOY_GATEWAY("envoy-gateway", "Envoy east-west gateways");

    private final String wireName;
    private final String described;

    DataPlane(String wireName, String described) {
        this.wireName = wireName;
        this.described = described;
    }

    /** How the API names it, e.g. {@code proxyless-grpc}. */
    public String wireName() {
        return wireName;
    }

    /** Its proxies in a sentence, e.g. "proxyless gRPC servers". */
    public String described() {
        return described;
    }
}

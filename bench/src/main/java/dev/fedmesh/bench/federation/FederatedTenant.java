package dev.fedmesh.bench.federation;

import dev.fedmesh.api.v1.ClusterInventory;
import dev.fedmesh.api.v1.EndpointHealth;
import dev.fedmesh.api.v1.InventoryEndpoint;
import dev.fedmesh.api.v1.InventoryService;
import dev.fedmesh.policy.compiler.ClusterInfo;
import dev.fedmesh.policy.compiler.TenantState;
import dev.fedmesh.policy.compiler.TenantTrust;
import dev.fedmesh.policy.document.PolicyDocument;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.xds.ServiceEndpoint;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The issue's federation tenant, built in memory: clusters {@code c000…} in four regions of three
 * zones, services {@code svc-0000…}, and a fixed number of endpoints of every service in every
 * cluster (two {@code version=v1}, then {@code version=v2}), each with its service account. The
 * mesh is mutual TLS ({@code MtlsMode STRICT}), which a cluster on another network needs to be
 * reached through its gateway (the gateway routes by the TLS server name), and each service has
 * one of four policies that do not choose endpoints (Timeout, Retry, CircuitBreaker,
 * TrafficPermission), so every service's callers get one assignment: the whole service.
 *
 * @param hostPrefix the first two octets of every endpoint address: {@code 10.} for a paper tenant,
 *                   {@code 127.} for one whose endpoints must answer on this machine's loopback
 * @param port       every endpoint's port but svc-0000's
 * @param firstPort  the port of svc-0000's endpoints, the service the benchmark's clients call
 */
record FederatedTenant(String name, int clusters, int services, int endpointsPerService, Layout layout,
                       String hostPrefix, int port, int firstPort) {

    /** Where the clusters run, network-wise. */
    enum Layout {
        /** Every cluster on one network: callers get each other's endpoint addresses. */
        ONE_NETWORK("one network"),
        /** Every cluster on a network of its own, with an east-west gateway: one endpoint per remote cluster. */
        NETWORK_PER_CLUSTER("a network per cluster, with gateways");

        private final String label;

        Layout(String label) {
            this.label = label;
        }

        String label() {
            return label;
        }
    }

    /** The port every cluster's east-west gateway listens on. */
    static final int GATEWAY_PORT = 15443;

    private static final List<String> POLICY_TEMPLATES = List.of(
            """
            {"kind": "Timeout", "name": "timeout-%1$d", "target": {"service": "%2$s"},
             "spec": {"connect": "2s", "request": "15s", "idle": "1h"}}""",
            """
            {"kind": "Retry", "name": "retry-%1$d", "target": {"service": "%2$s"},
             "spec": {"attempts": 3, "perTryTimeout": "500ms",
                      "retryOn": ["unavailable", "reset", "connect-failure", "5xx"],
                      "backoff": {"base": "25ms", "max": "250ms"}}}""",
            """
            {"kind": "CircuitBreaker", "name": "limits-%1$d", "target": {"service": "%2$s"},
             "spec": {"maxConnections": 1024, "maxPendingRequests": 1024, "maxRequests": 1024, "maxRetries": 3}}""",
            """
            {"kind": "TrafficPermission", "name": "callers-%1$d", "target": {"service": "%2$s"},
             "spec": {"rules": [{"action": "ALLOW", "sources": [{"service": "%3$s"}]}]}}""");

    FederatedTenant {
        if (clusters < 1 || clusters > 250) {
            throw new IllegalArgumentException("clusters must be 1 to 250 (one address octet each), was " + clusters);
        }
        if (services < 1 || services > 65_536 / Math.max(1, endpointsPerService)) {
            throw new IllegalArgumentException("services x endpoints per service must fit two address octets, was "
                    + services + " x " + endpointsPerService);
        }
    }

    /** The tenant of the issue's scale target, on paper addresses: 100 clusters, 1,000 services, 3 endpoints each. */
    static FederatedTenant issueScale(Layout layout) {
        return new FederatedTenant("bench-federation", 100, 1_000, 3, layout, "10.", 8080, 8080);
    }

    static String cluster(int index) {
        return "c%03d".formatted(index);
    }

    static String service(int index) {
        return "svc-%04d".formatted(index);
    }

    /** Where cluster {@code index} runs: four regions, three zones each, in turn. */
    ClusterInfo clusterInfo(int index) {
        String network = layout == Layout.ONE_NETWORK ? "net" : "net-" + cluster(index);
        String gateway = layout == Layout.ONE_NETWORK ? "" : gateway(index);
        return new ClusterInfo(cluster(index), "region-" + index % 4, "zone-" + index % 4 + "-" + index / 4 % 3,
                network, gateway, Map.of());
    }

    /** {@code host:port} of cluster {@code index}'s east-west gateway. */
    String gateway(int index) {
        return "192.168." + index + ".1:" + GATEWAY_PORT;
    }

    /** The tenant's state as the compiler reads it at {@code revision}. */
    TenantState state(long revision) {
        List<ClusterInfo> infos = new ArrayList<>(clusters);
        for (int i = 0; i < clusters; i++) {
            infos.add(clusterInfo(i));
        }
        List<String> names = new ArrayList<>(services);
        for (int i = 0; i < services; i++) {
            names.add(service(i));
        }
        List<PolicyDocument> policies = new ArrayList<>(services + 1);
        policies.add(PolicyJson.read(PolicyJson.parse("""
                {"kind": "MtlsMode", "name": "mesh-strict", "target": {"mesh": true}, "spec": {"mode": "STRICT"}}"""),
                null));
        for (int i = 0; i < services; i++) {
            String json = POLICY_TEMPLATES.get(i % POLICY_TEMPLATES.size())
                    .formatted(i, service(i), service((i + 1) % services));
            policies.add(PolicyJson.read(PolicyJson.parse(json), null));
        }
        return new TenantState(name, revision, infos, names, policies,
                new TenantTrust(name + ".fedmesh.example", List.of()), List.of());
    }

    /** Every endpoint of cluster {@code index}, as its workloads would register them. */
    List<ServiceEndpoint> endpoints(int index) {
        List<ServiceEndpoint> endpoints = new ArrayList<>(services * endpointsPerService);
        for (int s = 0; s < services; s++) {
            for (int e = 0; e < endpointsPerService; e++) {
                endpoints.add(endpoint(index, s, e));
            }
        }
        return endpoints;
    }

    /**
     * Endpoint {@code e} of service {@code s} in cluster {@code index}: an address of its own
     * ({@code <prefix><cluster+1>.<n/256>.<n%256>}), labelled v1 for the first two, v2 after.
     */
    ServiceEndpoint endpoint(int index, int s, int e) {
        int n = s * endpointsPerService + e;
        String host = hostPrefix + (index + 1) + "." + (n >> 8) + "." + (n & 0xff);
        return new ServiceEndpoint(service(s), host, s == 0 ? firstPort : port, Map.of("version", e < 2 ? "v1" : "v2"));
    }

    /**
     * Cluster {@code index}'s inventory with every endpoint healthy: what its agent would publish
     * ({@code ClusterInventory}: services by name, endpoints by host then port, each with its
     * service account).
     */
    ClusterInventory inventory(int index, long generation) {
        ClusterInventory.Builder inventory = ClusterInventory.newBuilder()
                .setTenant(name)
                .setCluster(cluster(index))
                .setGeneration(generation);
        for (int s = 0; s < services; s++) {
            InventoryService.Builder service = InventoryService.newBuilder().setName(service(s));
            List<InventoryEndpoint> members = new ArrayList<>(endpointsPerService);
            for (int e = 0; e < endpointsPerService; e++) {
                ServiceEndpoint endpoint = endpoint(index, s, e);
                members.add(InventoryEndpoint.newBuilder()
                        .setHost(endpoint.host())
                        .setPort(endpoint.port())
                        .putAllLabels(endpoint.labels())
                        .setHealth(EndpointHealth.ENDPOINT_HEALTH_HEALTHY)
                        .setServiceAccount(service(s))
                        .build());
            }
            members.sort(java.util.Comparator.comparing(InventoryEndpoint::getHost)
                    .thenComparingInt(InventoryEndpoint::getPort));
            inventory.addServices(service.addAllEndpoints(members));
        }
        return inventory.build();
    }
}

package dev.fedmesh.bench;

import dev.fedmesh.policy.compiler.ClusterInfo;
import dev.fedmesh.policy.compiler.TenantState;
import dev.fedmesh.policy.document.PolicyDocument;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.xds.ServiceEndpoint;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A tenant of a chosen size, built in memory: clusters {@code c000…}, services {@code svc-00000…}
 * and policies of five kinds in turn (TrafficRoute, Timeout, Retry, CircuitBreaker,
 * TrafficPermission), each read and validated by {@link PolicyJson} as the API would.
 */
final class SyntheticTenant {
    private static final List<String> POLICY_TEMPLATES = List.of(
            """
            {"kind": "TrafficRoute", "name": "route-%1$d", "target": {"service": "%2$s"},
             "spec": {"split": [{"subset": {"version": "v1"}, "weight": 90},
                                {"subset": {"version": "v2"}, "weight": 10}]}}""",
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
             "spec": {"maxConnections": 1024, "maxPendingRequests": 1024, "maxRequests": 1024, "maxRetries": 3,
                      "outlierDetection": {"consecutive5xx": 5}}}""",
            """
            {"kind": "TrafficPermission", "name": "callers-%1$d", "target": {"service": "%2$s"},
             "spec": {"rules": [{"action": "ALLOW", "sources": [{"service": "%3$s"}]}]}}""");

    private SyntheticTenant() {
    }

    static TenantState state(String tenant, long revision, int clusters, int services, int policies) {
        List<String> serviceNames = new ArrayList<>(services);
        for (int i = 0; i < services; i++) {
            serviceNames.add(service(i));
        }
        List<PolicyDocument> documents = new ArrayList<>(policies);
        for (int i = 0; i < policies; i++) {
            String json = POLICY_TEMPLATES.get(i % POLICY_TEMPLATES.size())
                    .formatted(i, service(i % services), service((i + 1) % services));
            documents.add(PolicyJson.read(PolicyJson.parse(json), null));
        }
        return new TenantState(tenant, revision, clusterInfos(clusters), serviceNames, documents);
    }

    /** The same tenant seen by its first cluster only. */
    static TenantState firstClusterOnly(TenantState state) {
        return new TenantState(state.tenant(), state.revision(), state.clusters().subList(0, 1), state.services(),
                state.policies());
    }

    /** A v1 and a v2 endpoint of every service, as a cluster's local inventory would hold them. */
    static List<ServiceEndpoint> endpoints(int services) {
        List<ServiceEndpoint> endpoints = new ArrayList<>(services * 2);
        for (int i = 0; i < services; i++) {
            String host = "10." + (i >> 16 & 0xff) + "." + (i >> 8 & 0xff) + "." + (i & 0xff);
            endpoints.add(new ServiceEndpoint(service(i), host, 8080, Map.of("version", "v1")));
            endpoints.add(new ServiceEndpoint(service(i), host, 8081, Map.of("version", "v2")));
        }
        return endpoints;
    }

    static String cluster(int index) {
        return "c%03d".formatted(index);
    }

    private static List<ClusterInfo> clusterInfos(int count) {
        List<ClusterInfo> clusters = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            clusters.add(new ClusterInfo(cluster(i), "region-" + i % 4, "zone-" + i % 3, "net-" + i % 2, Map.of()));
        }
        return clusters;
    }

    private static String service(int index) {
        return "svc-%05d".formatted(index);
    }
}

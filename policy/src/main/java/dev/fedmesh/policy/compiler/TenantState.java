package dev.fedmesh.policy.compiler;

import dev.fedmesh.policy.document.PolicyDocument;

import java.util.List;

/** Everything the compiler needs of one tenant, read at one revision. */
public record TenantState(
        String tenant,
        long revision,
        List<ClusterInfo> clusters,
        List<String> services,
        List<PolicyDocument> policies) {

    public TenantState {
        clusters = List.copyOf(clusters);
        services = List.copyOf(services);
        policies = List.copyOf(policies);
    }
}

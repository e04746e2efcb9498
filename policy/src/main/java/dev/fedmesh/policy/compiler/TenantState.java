package dev.fedmesh.policy.compiler;

import dev.fedmesh.policy.document.PolicyDocument;

import java.util.List;
import java.util.Objects;

/**
 * Everything the compiler needs of one tenant, read at one revision: its clusters, services and
 * policies, its trust domain and roots, and the unexpired intermediates issued to its clusters.
 */
public record TenantState(
        String tenant,
        long revision,
        List<ClusterInfo> clusters,
        List<String> services,
        List<PolicyDocument> policies,
        TenantTrust trust,
        List<IntermediateOfCluster> intermediates) {

    public TenantState {
        clusters = List.copyOf(clusters);
        services = List.copyOf(services);
        policies = List.copyOf(policies);
        Objects.requireNonNull(trust, "trust");
        intermediates = List.copyOf(intermediates);
    }

    /** A tenant's state without trust: configs that carry no trust domain, roots or intermediates. */
    public TenantState(String tenant, long revision, List<ClusterInfo> clusters, List<String> services,
                       List<PolicyDocument> policies) {
        this(tenant, revision, clusters, services, policies, TenantTrust.NONE, List.of());
    }
}

package dev.fedmesh.agent.inventory;

import dev.fedmesh.api.v1.EndpointHealth;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import java.util.Objects;
import java.util.Set;

/**
 * One local endpoint as the inventory holds it: where it listens, where the agent learned of it, the
 * workload's service account (empty when unknown) and its health.
 */
public record LocalEndpoint(ServiceEndpoint endpoint, Set<EndpointSource> sources, String serviceAccount,
                            EndpointHealth health) {

    public LocalEndpoint {
        Objects.requireNonNull(endpoint, "endpoint");
        sources = Set.copyOf(sources);
        serviceAccount = serviceAccount == null ? "" : serviceAccount;
        Objects.requireNonNull(health, "health");
    }

    /** Whether its health comes from probes: no stream of the workload itself is open. */
    public boolean probed() {
        return !sources.contains(EndpointSource.CONNECTED);
    }
}

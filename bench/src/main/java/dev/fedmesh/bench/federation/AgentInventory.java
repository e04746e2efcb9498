package dev.fedmesh.bench.federation;

import dev.fedmesh.api.v1.ClusterInventory;

/** A cluster's inventory as its agent builds it before sending it. */
final class AgentInventory {

    private AgentInventory() {
    }

    static ClusterInventory of(FederatedTenant tenant, int cluster) {
        return tenant.inventory(cluster, 1);
    }
}

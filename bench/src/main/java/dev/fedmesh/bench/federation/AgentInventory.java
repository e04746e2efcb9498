package dev.fedmesh.bench.federation;

import dev.fedmesh.agent.inventory.AnnouncedEndpoint;
import dev.fedmesh.agent.inventory.EndpointSource;
import dev.fedmesh.agent.inventory.LocalInventory;
import dev.fedmesh.api.v1.ClusterInventory;
import dev.fedmesh.api.v1.EndpointHealth;
import dev.fedmesh.policy.xds.ServiceEndpoint;

/**
 * A cluster's inventory as its agent builds it before sending it: the agent's own
 * {@link LocalInventory} holding every endpoint of the cluster, registered with its service
 * account and probed healthy, and its {@link LocalInventory#snapshot}.
 */
final class AgentInventory {

    private AgentInventory() {
    }

    static ClusterInventory of(FederatedTenant tenant, int cluster) {
        LocalInventory inventory = new LocalInventory();
        for (ServiceEndpoint endpoint : tenant.endpoints(cluster)) {
            inventory.add(new AnnouncedEndpoint(endpoint, endpoint.service()), EndpointSource.REGISTERED);
            inventory.health(endpoint, EndpointHealth.ENDPOINT_HEALTH_HEALTHY);
        }
        return inventory.snapshot(tenant.name(), FederatedTenant.cluster(cluster));
    }
}

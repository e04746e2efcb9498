package dev.fedmesh.policy.xds;

import dev.fedmesh.api.v1.ClusterInventory;
import dev.fedmesh.api.v1.ClusterPeer;
import dev.fedmesh.api.v1.EndpointHealth;
import dev.fedmesh.api.v1.InventoryEndpoint;
import dev.fedmesh.api.v1.InventoryService;
import java.util.Map;
import java.util.TreeMap;

/** Builders for the peers and inventories the federated translation tests use. */
final class Federations {

    static final EndpointHealth HEALTHY = EndpointHealth.ENDPOINT_HEALTH_HEALTHY;
    static final EndpointHealth UNHEALTHY = EndpointHealth.ENDPOINT_HEALTH_UNHEALTHY;
    static final EndpointHealth UNKNOWN = EndpointHealth.ENDPOINT_HEALTH_UNKNOWN;

    private Federations() {
    }

    static ClusterPeer peer(String name, String region, String zone, String network, String gateway) {
        return ClusterPeer.newBuilder().setName(name).setRegion(region).setZone(zone).setNetwork(network)
                .setEastWestGateway(gateway).build();
    }

    static InventoryEndpoint endpoint(String host, int port, EndpointHealth health, String... labels) {
        InventoryEndpoint.Builder endpoint = InventoryEndpoint.newBuilder().setHost(host).setPort(port).setHealth(health);
        for (int i = 0; i + 1 < labels.length; i += 2) {
            endpoint.putLabels(labels[i], labels[i + 1]);
        }
        return endpoint.build();
    }

    /** An inventory builder: {@code service("greeter", endpoints...)} calls, then {@link Inventory#build()}. */
    static Inventory inventory(String cluster) {
        return new Inventory(cluster);
    }

    static final class Inventory {
        private final String cluster;
        private final Map<String, InventoryService.Builder> services = new TreeMap<>();

        private Inventory(String cluster) {
            this.cluster = cluster;
        }

        Inventory service(String name, InventoryEndpoint... endpoints) {
            InventoryService.Builder service = services.computeIfAbsent(name,
                    n -> InventoryService.newBuilder().setName(n));
            for (InventoryEndpoint endpoint : endpoints) {
                service.addEndpoints(endpoint);
            }
            return this;
        }

        ClusterInventory build() {
            ClusterInventory.Builder inventory = ClusterInventory.newBuilder().setTenant("acme").setCluster(cluster)
                    .setGeneration(1);
            services.values().forEach(inventory::addServices);
            return inventory.build();
        }
    }
}

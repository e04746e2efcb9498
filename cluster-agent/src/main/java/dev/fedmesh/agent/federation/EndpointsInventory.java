package dev.fedmesh.agent.federation;

import com.google.protobuf.Timestamp;
import dev.fedmesh.api.v1.ClusterInventory;
import dev.fedmesh.api.v1.EndpointHealth;
import dev.fedmesh.api.v1.InventoryEndpoint;
import dev.fedmesh.api.v1.InventoryService;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A cluster's registered endpoints as the ClusterInventory it publishes: services sorted by name,
 * each one's endpoints by host then port, every registered endpoint healthy. A pure function of its
 * arguments.
 */
public final class EndpointsInventory {

    private EndpointsInventory() {
    }

    /** The inventory of {@code endpoints}, the {@code generation}-th state of the cluster's endpoints, built at {@code at}. */
    public static ClusterInventory of(String tenant, String cluster, long generation, Collection<ServiceEndpoint> endpoints,
                                      Instant at) {
        Map<String, List<ServiceEndpoint>> byService = endpoints.stream()
                .collect(Collectors.groupingBy(ServiceEndpoint::service, TreeMap::new, Collectors.toList()));
        ClusterInventory.Builder inventory = ClusterInventory.newBuilder()
                .setTenant(tenant)
                .setCluster(cluster)
                .setGeneration(generation)
                .setObservedAt(Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()));
        byService.forEach((service, members) -> inventory.addServices(InventoryService.newBuilder()
                .setName(service)
                .addAllEndpoints(members.stream()
                        .sorted(Comparator.comparing(ServiceEndpoint::host).thenComparingInt(ServiceEndpoint::port))
                        .map(endpoint -> InventoryEndpoint.newBuilder()
                                .setHost(endpoint.host())
                                .setPort(endpoint.port())
                                .putAllLabels(endpoint.labels())
                                .setHealth(EndpointHealth.ENDPOINT_HEALTH_HEALTHY)
                                .build())
                        .toList())));
        return inventory.build();
    }
}

package dev.fedmesh.policy.xds;

import com.google.protobuf.Struct;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.Value;
import dev.fedmesh.api.v1.InventoryEndpoint;
import dev.fedmesh.policy.failover.Failover;
import dev.fedmesh.policy.failover.FailoverPlanner;
import dev.fedmesh.policy.failover.FailoverPlanner.Endpoints;
import dev.fedmesh.policy.failover.FailoverPlanner.Plan;
import dev.fedmesh.policy.failover.FailoverPlanner.Site;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The ClusterLoadAssignment of one endpoint subset, federated: the subset's endpoints in every
 * cluster the local one can reach, one locality per cluster (region, zone, and the cluster's name
 * as sub-zone), prioritised by {@link FailoverPlanner} and with each endpoint's health, so proxies
 * fail over the moment the agent's view changes, without the control plane.
 *
 * <ul>
 *   <li>A cluster on the local network contributes its endpoints' own addresses; one on another
 *       network contributes one endpoint, its east-west gateway, weighted by its healthy endpoints
 *       of the subset and marked in the endpoint metadata ({@link #METADATA_NAMESPACE}); one on
 *       another network without a gateway, or reached through a gateway by a service that is not
 *       mutual TLS (the gateway routes by the TLS SNI), is left out.</li>
 *   <li>Clusters of steps the plan does not serve are left out; in a panic every endpoint is served
 *       as UNKNOWN, so no assignment is empty while any endpoint of the subset is known.</li>
 *   <li>The overprovisioning factor is high enough that Envoy keeps all traffic on priority 0 while
 *       it has one healthy endpoint: when to move on is the plan's decision (its threshold), not
 *       Envoy's own spill-over.</li>
 * </ul>
 */
final class FederatedAssignment {

    /** The endpoint metadata namespace marking a gateway endpoint; its {@code gateway} field names the cluster behind it. */
    static final String METADATA_NAMESPACE = "fedmesh";

    private FederatedAssignment() {
    }

    /**
     * @param crossNetwork whether clusters on other networks may be reached through their gateways
     *                     (the service speaks mutual TLS, so the SNI exists)
     */
    static ClusterLoadAssignment of(Federation federation, EndpointSubset subset, Optional<Failover> policy,
                                    boolean crossNetwork) {
        Map<String, List<InventoryEndpoint>> byCluster = new TreeMap<>();
        Map<String, Federation.Reach> reaches = new TreeMap<>();
        Map<String, Endpoints> counts = new TreeMap<>();
        for (Site site : federation.sites()) {
            Federation.Reach reach = federation.reach(site.cluster());
            if (reach instanceof Federation.Reach.None
                    || (reach instanceof Federation.Reach.ViaGateway && !crossNetwork)) {
                continue;
            }
            List<InventoryEndpoint> endpoints = federation.endpoints(site.cluster(), subset);
            if (endpoints.isEmpty()) {
                continue;
            }
            byCluster.put(site.cluster(), endpoints);
            reaches.put(site.cluster(), reach);
            int healthy = (int) endpoints.stream().filter(Federation::healthy).count();
            counts.put(site.cluster(), new Endpoints(endpoints.size(), healthy));
        }
        ClusterLoadAssignment.Builder assignment = ClusterLoadAssignment.newBuilder().setClusterName(subset.clusterName());
        if (byCluster.isEmpty()) {
            return assignment.build();
        }
        // A split pinned to one cluster goes there whatever the service's failover order says.
        Plan plan = FailoverPlanner.plan(federation.localSite(), federation.sites(), counts,
                subset.cluster() == null ? policy : Optional.empty(),
                site -> federation.unreachable(site.cluster()));
        int largestPriority = 1;
        for (int priority = 0; priority < plan.served().size(); priority++) {
            int hosts = 0;
            for (String cluster : plan.served().get(priority).clusters()) {
                LocalityLbEndpoints locality = locality(federation, cluster, priority, byCluster.get(cluster),
                        reaches.get(cluster), plan.panic(), subset);
                hosts += locality.getLbEndpointsCount();
                assignment.addEndpoints(locality);
            }
            largestPriority = Math.max(largestPriority, hosts);
        }
        return assignment
                .setPolicy(ClusterLoadAssignment.Policy.newBuilder()
                        .setOverprovisioningFactor(UInt32Value.of(100 * largestPriority)))
                .build();
    }

    private static LocalityLbEndpoints locality(Federation federation, String cluster, int priority,
                                                List<InventoryEndpoint> endpoints, Federation.Reach reach,
                                                boolean panic, EndpointSubset subset) {
        boolean down = federation.unreachable(cluster);
        int healthy = down ? 0 : (int) endpoints.stream().filter(Federation::healthy).count();
        // gRPC ignores a locality without a weight; it splits a priority's traffic by these weights.
        int weight = healthy > 0 && !panic ? healthy : endpoints.size();
        Site site = federation.site(cluster);
        LocalityLbEndpoints.Builder locality = LocalityLbEndpoints.newBuilder()
                .setLocality(Locality.newBuilder()
                        .setRegion(site.region())
                        .setZone(site.zone())
                        .setSubZone(cluster))
                .setLoadBalancingWeight(UInt32Value.of(weight))
                .setPriority(priority);
        if (reach instanceof Federation.Reach.ViaGateway via) {
            locality.addLbEndpoints(LbEndpoint.newBuilder()
                    .setEndpoint(endpoint(via.gateway().host(), via.gateway().port()))
                    .setHealthStatus(panic ? HealthStatus.UNKNOWN : healthy > 0 ? HealthStatus.HEALTHY : HealthStatus.UNHEALTHY)
                    .setLoadBalancingWeight(UInt32Value.of(weight))
                    .setMetadata(gatewayMetadata(cluster, subset)));
            return locality.build();
        }
        for (InventoryEndpoint endpoint : endpoints) {
            HealthStatus health = panic ? HealthStatus.UNKNOWN
                    : !down && Federation.healthy(endpoint) ? HealthStatus.HEALTHY : HealthStatus.UNHEALTHY;
            locality.addLbEndpoints(LbEndpoint.newBuilder()
                    .setEndpoint(endpoint(endpoint.getHost(), endpoint.getPort()))
                    .setHealthStatus(health));
        }
        return locality.build();
    }

    static Endpoint.Builder endpoint(String host, int port) {
        return Endpoint.newBuilder().setAddress(Address.newBuilder()
                .setSocketAddress(SocketAddress.newBuilder().setAddress(host).setPortValue(port)));
    }

    private static Metadata gatewayMetadata(String cluster, EndpointSubset subset) {
        return Metadata.newBuilder()
                .putFilterMetadata(METADATA_NAMESPACE, Struct.newBuilder()
                        .putFields("gateway", Value.newBuilder().setStringValue(cluster).build())
                        .putFields("sni", Value.newBuilder().setStringValue(subset.sniName()).build())
                        .build())
                .build();
    }
}

package dev.fedmesh.policy.xds;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import dev.fedmesh.api.v1.ClusterInventory;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.InventoryEndpoint;
import dev.fedmesh.api.v1.Service;
import dev.fedmesh.policy.failover.FailoverPlanner.Site;
import dev.fedmesh.policy.mtlsmode.MtlsModeTranslator;
import dev.fedmesh.policy.trafficroute.TrafficRouteTranslator;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The Envoy resources of a cluster's east-west gateway, where callers on other networks reach its
 * services. Pure and deterministic.
 *
 * <p>One Listener on every interface at the port of the cluster's own {@code east_west_gateway}
 * peer entry: the {@code tls_inspector} listener filter reads the TLS server name, and one filter
 * chain per subset, matching its {@link EndpointSubset#sniName()}, passes the connection unopened
 * ({@code tcp_proxy}) to an EDS cluster of that subset's healthy local endpoints. The gateway never
 * terminates TLS: mutual TLS stays end to end between the workloads, so the gateway holds no
 * workload key and cannot read or forge a call. A server name it does not know matches no chain and
 * the connection is closed.
 *
 * <p>Only services whose MtlsMode is STRICT get a chain: callers send others in plaintext, which has
 * no server name to route by, and reach them across networks not at all ({@link FederatedAssignment}).
 * No gateway entry, or no such service, means no resources.
 */
public final class EastWestGateway {

    /** The name of the gateway's Listener. */
    public static final String LISTENER = "east-west-gateway";

    /** Envoy's listener filter that reads the TLS ClientHello's server name. */
    public static final String TLS_INSPECTOR = "envoy.filters.listener.tls_inspector";

    /** Envoy's network filter that forwards a connection's bytes to an upstream cluster. */
    public static final String TCP_PROXY = "envoy.filters.network.tcp_proxy";

    private static final String ANY_ADDRESS = "0.0.0.0";

    private EastWestGateway() {
    }

    /** The gateway's EDS cluster (and ClusterLoadAssignment) of a subset: {@code gateway|<sni name>}. */
    public static String clusterName(EndpointSubset subset) {
        return "gateway|" + subset.sniName();
    }

    /**
     * The gateway's resources: its Listener, and one Cluster and ClusterLoadAssignment per subset it
     * passes on; no routes. Empty when the cluster has no gateway or no STRICT service.
     *
     * @param config the gateway's cluster's desired config (its services, policies and peers)
     * @param local  that cluster's own inventory, with health
     */
    public static XdsResources resources(DesiredConfig config, ClusterInventory local) {
        Federation federation = new Federation(config.getCluster(), config.getPeersList(),
                Map.of(config.getCluster(), local), cluster -> false);
        Optional<GatewayAddress> gateway = federation.ownGateway();
        if (gateway.isEmpty()) {
            return new XdsResources(List.of(), List.of(), List.of(), List.of());
        }
        Map<String, EndpointSubset> bySni = new TreeMap<>();
        for (Service service : config.getServicesList()) {
            String name = service.getName();
            if (!MtlsModeTranslator.strict(name, config.getPoliciesList())) {
                continue;
            }
            ServiceRoute route = TrafficRouteTranslator.route(name, config.getPoliciesList())
                    .orElseGet(() -> ServiceRoute.wholeService(name));
            for (EndpointSubset subset : route.subsets()) {
                if (subset.cluster() == null || subset.cluster().equals(config.getCluster())) {
                    bySni.putIfAbsent(subset.sniName(), subset.anywhere());
                }
            }
        }
        if (bySni.isEmpty()) {
            return new XdsResources(List.of(), List.of(), List.of(), List.of());
        }
        Listener.Builder listener = Listener.newBuilder()
                .setName(LISTENER)
                .setAddress(Address.newBuilder().setSocketAddress(SocketAddress.newBuilder()
                        .setAddress(ANY_ADDRESS)
                        .setPortValue(gateway.get().port())))
                .setTrafficDirection(TrafficDirection.INBOUND)
                .addListenerFilters(ListenerFilter.newBuilder()
                        .setName(TLS_INSPECTOR)
                        .setTypedConfig(Any.pack(TlsInspector.getDefaultInstance())));
        List<Cluster> clusters = new ArrayList<>();
        List<ClusterLoadAssignment> assignments = new ArrayList<>();
        bySni.forEach((sni, subset) -> {
            String cluster = clusterName(subset);
            listener.addFilterChains(FilterChain.newBuilder()
                    .setName(sni)
                    .setFilterChainMatch(FilterChainMatch.newBuilder()
                            .addServerNames(sni)
                            .setTransportProtocol("tls"))
                    .addFilters(Filter.newBuilder()
                            .setName(TCP_PROXY)
                            .setTypedConfig(Any.pack(TcpProxy.newBuilder()
                                    .setStatPrefix(cluster)
                                    .setCluster(cluster)
                                    .build()))));
            clusters.add(ProxyConfigTranslator.edsCluster(cluster, Optional.empty()));
            assignments.add(assignment(federation, subset, cluster));
        });
        return new XdsResources(List.of(listener.build()), List.of(), clusters, assignments);
    }

    /**
     * The subset's healthy local endpoints; when none is healthy, every one of them as UNKNOWN, since
     * a caller only sends here when it has nowhere better (its own plan is in panic too).
     */
    private static ClusterLoadAssignment assignment(Federation federation, EndpointSubset subset, String name) {
        List<InventoryEndpoint> endpoints = federation.endpoints(federation.local(), subset);
        ClusterLoadAssignment.Builder assignment = ClusterLoadAssignment.newBuilder().setClusterName(name);
        if (endpoints.isEmpty()) {
            return assignment.build();
        }
        List<InventoryEndpoint> healthy = endpoints.stream().filter(Federation::healthy).toList();
        boolean panic = healthy.isEmpty();
        Site site = federation.localSite();
        LocalityLbEndpoints.Builder locality = LocalityLbEndpoints.newBuilder()
                .setLocality(Locality.newBuilder()
                        .setRegion(site.region())
                        .setZone(site.zone())
                        .setSubZone(site.cluster()))
                .setPriority(0);
        for (InventoryEndpoint endpoint : panic ? endpoints : healthy) {
            locality.addLbEndpoints(LbEndpoint.newBuilder()
                    .setEndpoint(FederatedAssignment.endpoint(endpoint.getHost(), endpoint.getPort()))
                    .setHealthStatus(panic ? HealthStatus.UNKNOWN : HealthStatus.HEALTHY));
        }
        locality.setLoadBalancingWeight(UInt32Value.of(locality.getLbEndpointsCount()));
        return assignment.addEndpoints(locality).build();
    }
}

package dev.fedmesh.policy.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.Service;
import dev.fedmesh.policy.mtlsmode.MtlsModeTranslator;
import dev.fedmesh.policy.trafficpermission.TrafficPermissionTranslator;
import dev.fedmesh.policy.trafficroute.TrafficRouteTranslator;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Turns one cluster's desired config plus its local endpoints into the xDS resources its proxies
 * (Envoy, proxyless gRPC) get. Pure and deterministic: same input, same resources, same order.
 *
 * <p>Per service {@code s}: a Listener {@code s} whose ApiListener holds an HttpConnectionManager
 * (RDS over ADS, router filter), so a gRPC client dialing {@code xds:///s} finds it; a
 * RouteConfiguration {@code s} (one virtual host, domain {@code *}, the service's routes in order,
 * the last taking every call); one ROUND_ROBIN EDS cluster and ClusterLoadAssignment per endpoint
 * subset the routes refer to. Endpoints of services the config does not list are left out. A
 * subset pinned to another cluster gets an empty assignment: an agent knows only its own
 * cluster's endpoints until cross-cluster inventory exists. A cluster calling a STRICT service
 * speaks mutual TLS to it ({@link MtlsModeTranslator}).
 *
 * <p>Per local endpoint port: the server Listener a proxyless gRPC server on that port asks for
 * ({@link ServerListeners}), with the service's mTLS ({@link MtlsModeTranslator}) and RBAC filters
 * ({@link TrafficPermissionTranslator}). Every proxy of a cluster gets the same resources, so a
 * port is one service's: should endpoints of several services share a port, the first service by
 * name has it.
 */
public final class ProxyConfigTranslator {

    /** Name of Envoy's router HTTP filter; gRPC requires it last in the filter chain. */
    public static final String ROUTER_FILTER = "envoy.filters.http.router";

    private static final Duration CONNECT_TIMEOUT = Duration.newBuilder().setSeconds(5).build();

    public XdsResources translate(DesiredConfig config, List<ServiceEndpoint> endpoints) {
        TreeSet<String> services = new TreeSet<>();
        for (Service service : config.getServicesList()) {
            services.add(service.getName());
        }
        List<ServiceEndpoint> sortedEndpoints = endpoints.stream()
                .sorted(Comparator.comparing(ServiceEndpoint::host).thenComparingInt(ServiceEndpoint::port))
                .toList();

        String trustDomain = config.getTrust().getTrustDomain();
        List<Listener> listeners = new ArrayList<>();
        List<RouteConfiguration> routes = new ArrayList<>();
        Map<String, EndpointSubset> subsetsByCluster = new TreeMap<>();
        for (String service : services) {
            ServiceRoute route = TrafficRouteTranslator.route(service, config.getPoliciesList())
                    .orElseGet(() -> ServiceRoute.wholeService(service));
            listeners.add(listener(service));
            routes.add(routeConfiguration(service, route));
            for (EndpointSubset subset : route.subsets()) {
                subsetsByCluster.putIfAbsent(subset.clusterName(), subset);
            }
        }

        List<Cluster> clusters = new ArrayList<>();
        List<ClusterLoadAssignment> assignments = new ArrayList<>();
        for (EndpointSubset subset : subsetsByCluster.values()) {
            clusters.add(edsCluster(subset.clusterName(),
                    MtlsModeTranslator.clientTransportSocket(subset.service(), trustDomain, config.getPoliciesList())));
            assignments.add(loadAssignment(config.getCluster(), subset, sortedEndpoints));
        }
        listeners.addAll(serverListeners(config, services, sortedEndpoints));
        listeners.sort(Comparator.comparing(Listener::getName));
        return new XdsResources(listeners, routes, clusters, assignments);
    }

    private static List<Listener> serverListeners(
            DesiredConfig config, TreeSet<String> services, List<ServiceEndpoint> endpoints) {
        Map<Integer, String> serviceByPort = new TreeMap<>();
        for (ServiceEndpoint endpoint : endpoints) {
            if (services.contains(endpoint.service())) {
                serviceByPort.merge(endpoint.port(), endpoint.service(), (a, b) -> a.compareTo(b) <= 0 ? a : b);
            }
        }
        List<Listener> listeners = new ArrayList<>();
        serviceByPort.forEach((port, service) -> listeners.add(ServerListeners.listener(service, port,
                TrafficPermissionTranslator.httpFilters(service, config.getTrust().getTrustDomain(), config.getPoliciesList()),
                MtlsModeTranslator.serverTransportSocket(service, config.getPoliciesList()))));
        return listeners;
    }

    private static ConfigSource ads() {
        return ConfigSource.newBuilder()
                .setAds(AggregatedConfigSource.getDefaultInstance())
                .setResourceApiVersion(ApiVersion.V3)
                .build();
    }

    private static Listener listener(String service) {
        HttpConnectionManager manager = HttpConnectionManager.newBuilder()
                .setStatPrefix(service)
                .setCodecType(HttpConnectionManager.CodecType.AUTO)
                .setRds(Rds.newBuilder().setConfigSource(ads()).setRouteConfigName(service))
                .addHttpFilters(HttpFilter.newBuilder()
                        .setName(ROUTER_FILTER)
                        .setTypedConfig(Any.pack(Router.getDefaultInstance())))
                .build();
        return Listener.newBuilder()
                .setName(service)
                .setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(manager)))
                .build();
    }

    private static RouteConfiguration routeConfiguration(String service, ServiceRoute route) {
        return RouteConfiguration.newBuilder()
                .setName(service)
                .addVirtualHosts(VirtualHost.newBuilder()
                        .setName(service)
                        .addDomains("*")
                        .addAllRoutes(route.routes()))
                .build();
    }

    private static Cluster edsCluster(String name, Optional<TransportSocket> tls) {
        Cluster.Builder cluster = Cluster.newBuilder()
                .setName(name)
                .setType(Cluster.DiscoveryType.EDS)
                .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setEdsConfig(ads()))
                .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN)
                .setConnectTimeout(CONNECT_TIMEOUT);
        tls.ifPresent(cluster::setTransportSocket);
        return cluster.build();
    }

    private static ClusterLoadAssignment loadAssignment(
            String cluster, EndpointSubset subset, List<ServiceEndpoint> sortedEndpoints) {
        LocalityLbEndpoints.Builder locality = LocalityLbEndpoints.newBuilder()
                .setLocality(Locality.newBuilder().setZone(cluster))
                // gRPC ignores a locality without a weight.
                .setLoadBalancingWeight(UInt32Value.of(1))
                .setPriority(0);
        TreeSet<String> seen = new TreeSet<>();
        for (ServiceEndpoint endpoint : sortedEndpoints) {
            if (subset.contains(endpoint, cluster) && seen.add(endpoint.address())) {
                locality.addLbEndpoints(LbEndpoint.newBuilder()
                        .setEndpoint(Endpoint.newBuilder()
                                .setAddress(Address.newBuilder()
                                        .setSocketAddress(SocketAddress.newBuilder()
                                                .setAddress(endpoint.host())
                                                .setPortValue(endpoint.port())))));
            }
        }
        ClusterLoadAssignment.Builder assignment =
                ClusterLoadAssignment.newBuilder().setClusterName(subset.clusterName());
        if (locality.getLbEndpointsCount() > 0) {
            assignment.addEndpoints(locality);
        }
        return assignment.build();
    }
}

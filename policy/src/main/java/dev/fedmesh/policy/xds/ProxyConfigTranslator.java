package dev.fedmesh.policy.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.fedmesh.api.v1.ClusterInventory;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.EndpointHealth;
import dev.fedmesh.api.v1.InventoryEndpoint;
import dev.fedmesh.api.v1.InventoryService;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.api.v1.Service;
import dev.fedmesh.policy.circuitbreaker.CircuitBreakerTranslator;
import dev.fedmesh.policy.failover.Failover;
import dev.fedmesh.policy.failover.FailoverPolicies;
import dev.fedmesh.policy.faultinjection.FaultInjectionTranslator;
import dev.fedmesh.policy.mtlsmode.MtlsModeTranslator;
import dev.fedmesh.policy.retry.RetryTranslator;
import dev.fedmesh.policy.timeout.TimeoutTranslator;
import dev.fedmesh.policy.trafficpermission.TrafficPermissionTranslator;
import dev.fedmesh.policy.trafficroute.TrafficRouteTranslator;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Turns one cluster's desired config plus what it knows of its federation (its own inventory, every
 * other cluster's newest one, which clusters its probes cannot reach) into the xDS resources its
 * proxies (Envoy, proxyless gRPC) get. Pure and deterministic: same input, same resources, same order.
 *
 * <p>Per service {@code s}: a Listener {@code s} whose ApiListener holds an HttpConnectionManager
 * (RDS over ADS, the service's fault filter ({@link FaultInjectionTranslator}), router filter), so
 * a gRPC client dialing {@code xds:///s} finds it; a
 * RouteConfiguration {@code s} (one virtual host, domain {@code *}, the service's routes in order,
 * the last taking every call, each with the service's Retry and request Timeout); one ROUND_ROBIN EDS
 * cluster (with the service's connect and idle Timeout, the subset's circuit breakers and outlier
 * detection, {@link CircuitBreakerTranslator}) and ClusterLoadAssignment per endpoint
 * subset the routes refer to. Endpoints of services the config does not list are left out. Each
 * assignment holds the subset's endpoints in every cluster the local one can reach (only the named
 * cluster's for a subset pinned to one), prioritised by the failover plan ({@link FederatedAssignment}).
 * A cluster calling a STRICT service speaks mutual TLS to it ({@link MtlsModeTranslator}), with the
 * subset's {@link EndpointSubset#sniName()} as TLS server name, so an east-west gateway can route it.
 *
 * <p>Per port of the local inventory's endpoints: the server Listener a proxyless gRPC server on
 * that port asks for ({@link ServerListeners}), with the service's mTLS ({@link MtlsModeTranslator}) and RBAC filters
 * ({@link TrafficPermissionTranslator}). Every proxy of a cluster gets the same resources, so a
 * port is one service's: should endpoints of several services share a port, the first service by
 * name has it.
 *
 * <p>An instance remembers what it made of the last config (client listeners, routes, clusters),
 * and the assignment it made for each subset with what it was made from, and makes an assignment
 * again only when that changed: a change of one cluster's endpoints of one service re-assigns that
 * service's subsets, not every service of the mesh. The output is the same as a
 * fresh instance's for the same input; an instance translates one call at a time.
 */
public final class ProxyConfigTranslator {

    /** Name of Envoy's router HTTP filter; gRPC requires it last in the filter chain. */
    public static final String ROUTER_FILTER = "envoy.filters.http.router";

    private static final Duration CONNECT_TIMEOUT = Duration.newBuilder().setSeconds(5).build();

    // What the last translation was made from and made, guarded by this: translations of one
    // instance run one at a time.
    /** Each subset cluster's last assignment, and the subset, failover and TLS it was made for. */
    private final Map<String, Assigned> assigned = new HashMap<>();
    /** Each cluster's inventory as last translated, indexed by service name. */
    private Map<String, Federation.IndexedInventory> indexed = Map.of();
    private Federation.Shape lastShape;
    private ConfigPart lastConfigPart;

    private record Assigned(Subset subset, ClusterLoadAssignment assignment) {
    }

    /**
     * The resources of one cluster that knows only its own endpoints, all of them healthy: no other
     * cluster's inventory, so every subset is served from the local endpoints alone.
     */
    public XdsResources translate(DesiredConfig config, List<ServiceEndpoint> endpoints) {
        Map<String, InventoryService.Builder> services = new TreeMap<>();
        for (ServiceEndpoint endpoint : endpoints) {
            services.computeIfAbsent(endpoint.service(), name -> InventoryService.newBuilder().setName(name))
                    .addEndpoints(InventoryEndpoint.newBuilder()
                            .setHost(endpoint.host())
                            .setPort(endpoint.port())
                            .putAllLabels(endpoint.labels())
                            .setHealth(EndpointHealth.ENDPOINT_HEALTH_HEALTHY));
        }
        ClusterInventory.Builder local = ClusterInventory.newBuilder()
                .setTenant(config.getTenant())
                .setCluster(config.getCluster());
        services.values().forEach(local::addServices);
        return translate(config, Map.of(config.getCluster(), local.build()), cluster -> false);
    }

    /**
     * The resources of one cluster in its federation.
     *
     * @param config      the cluster's desired config; its {@code peers} say where every cluster runs,
     *                    on which network, and through which east-west gateway it is reached
     * @param inventories by cluster name: the local cluster's own inventory (with health) and the
     *                    newest of every other cluster; a cluster without a peer entry is ignored
     * @param unreachable the clusters the local data-path probes cannot reach now: their endpoints
     *                    count as unhealthy
     */
    public synchronized XdsResources translate(DesiredConfig config, Map<String, ClusterInventory> inventories,
                                               Predicate<String> unreachable) {
        try {
            return translateFrom(config, inventories, unreachable);
        } catch (RuntimeException e) {
            // What was remembered may be half updated: the next translation starts afresh.
            assigned.clear();
            indexed = Map.of();
            lastShape = null;
            lastConfigPart = null;
            throw e;
        }
    }

    private XdsResources translateFrom(DesiredConfig config, Map<String, ClusterInventory> inventories,
                                       Predicate<String> unreachable) {
        ConfigPart part = configPart(config);
        Set<String> changed = changedServices(inventories);
        Federation federation = new Federation(config.getCluster(), config.getPeersList(), inventories, unreachable,
                indexed);
        boolean sameShape = federation.shape().equals(lastShape);
        lastShape = federation.shape();

        List<ClusterLoadAssignment> assignments = new ArrayList<>();
        for (Subset subset : part.subsets()) {
            Assigned last = assigned.get(subset.subset().clusterName());
            if (sameShape && last != null && last.subset().equals(subset) && !changed.contains(subset.subset().service())) {
                assignments.add(last.assignment());
                continue;
            }
            ClusterLoadAssignment made = FederatedAssignment.of(federation, subset.subset(), subset.failover(),
                    subset.crossNetwork());
            assigned.put(subset.subset().clusterName(), new Assigned(subset, made));
            assignments.add(made);
        }
        assigned.keySet().retainAll(part.subsetNames());
        List<Listener> listeners = new ArrayList<>(part.listeners());
        listeners.addAll(serverListeners(config, part.services(), federation.localEndpoints()));
        listeners.sort(Comparator.comparing(Listener::getName));
        return new XdsResources(listeners, part.routes(), part.clusters(), assignments);
    }

    /** What a config alone decides: client listeners, routes, clusters, and each subset's failover and TLS. */
    private record ConfigPart(DesiredConfig config, TreeSet<String> services, List<Listener> listeners,
                              List<RouteConfiguration> routes, List<Cluster> clusters, List<Subset> subsets,
                              Set<String> subsetNames) {
    }

    private record Subset(EndpointSubset subset, Optional<Failover> failover, boolean crossNetwork) {
    }

    /** The config's part, made once per config (the same instance) and then reused for every change of endpoints. */
    private ConfigPart configPart(DesiredConfig config) {
        ConfigPart last = lastConfigPart;
        if (last != null && last.config() == config) {
            return last;
        }
        TreeSet<String> services = new TreeSet<>();
        for (Service service : config.getServicesList()) {
            services.add(service.getName());
        }
        String trustDomain = config.getTrust().getTrustDomain();
        List<Listener> listeners = new ArrayList<>();
        List<RouteConfiguration> routes = new ArrayList<>();
        Map<String, EndpointSubset> subsetsByCluster = new TreeMap<>();
        for (String service : services) {
            ServiceRoute route = TrafficRouteTranslator.route(service, config.getPoliciesList())
                    .orElseGet(() -> ServiceRoute.wholeService(service));
            listeners.add(listener(service, config.getPoliciesList()));
            Map<String, Map<String, String>> selectors = new TreeMap<>();
            route.subsets().forEach(subset -> selectors.put(subset.clusterName(), subset.selector()));
            routes.add(routeConfiguration(service, FaultInjectionTranslator.withSubsetFaults(service,
                    withRetryAndTimeout(service, route.routes(), config.getPoliciesList()),
                    cluster -> selectors.getOrDefault(cluster, Map.of()), config.getPoliciesList())));
            for (EndpointSubset subset : route.subsets()) {
                subsetsByCluster.putIfAbsent(subset.clusterName(), subset);
            }
        }

        List<Cluster> clusters = new ArrayList<>();
        List<Subset> subsets = new ArrayList<>();
        for (EndpointSubset subset : subsetsByCluster.values()) {
            Optional<TransportSocket> tls = MtlsModeTranslator.clientTransportSocket(
                    subset.service(), trustDomain, config.getPoliciesList());
            Cluster cluster = edsCluster(subset.clusterName(), tls.map(socket -> withSni(socket, subset.sniName())));
            clusters.add(withCircuitBreaker(withTimeouts(cluster, subset.service(), config.getPoliciesList()),
                    subset, config.getPoliciesList()));
            subsets.add(new Subset(subset, FailoverPolicies.forService(subset.service(), config.getPoliciesList()),
                    tls.isPresent()));
        }
        ConfigPart part = new ConfigPart(config, services, List.copyOf(listeners), List.copyOf(routes),
                List.copyOf(clusters), List.copyOf(subsets), Set.copyOf(subsetsByCluster.keySet()));
        lastConfigPart = part;
        return part;
    }

    /**
     * The services whose entries in some cluster's inventory differ from the last translation's (a
     * cluster new or gone counts with all its services), and keeps the new inventories indexed. An
     * inventory that is the very instance translated last has not changed.
     */
    private Set<String> changedServices(Map<String, ClusterInventory> inventories) {
        Set<String> changed = new HashSet<>();
        Map<String, Federation.IndexedInventory> now = new HashMap<>();
        inventories.forEach((cluster, inventory) -> {
            Federation.IndexedInventory before = indexed.get(cluster);
            if (before != null && before.inventory() == inventory) {
                now.put(cluster, before);
                return;
            }
            Federation.IndexedInventory after = Federation.IndexedInventory.of(inventory);
            now.put(cluster, after);
            Set<String> names = new HashSet<>(after.byName().keySet());
            if (before != null) {
                names.addAll(before.byName().keySet());
            }
            for (String name : names) {
                if (before == null || !Objects.equals(before.byName().get(name), after.byName().get(name))) {
                    changed.add(name);
                }
            }
        });
        indexed.forEach((cluster, before) -> {
            if (!now.containsKey(cluster)) {
                changed.addAll(before.byName().keySet());
            }
        });
        indexed = now;
        return changed;
    }

    /**
     * The caller's TLS with the subset's server name: an east-west gateway routes by it, and a
     * workload reached directly ignores it (its identity is checked by SPIFFE id, not by name).
     */
    private static TransportSocket withSni(TransportSocket socket, String sni) {
        try {
            UpstreamTlsContext tls = socket.getTypedConfig().unpack(UpstreamTlsContext.class);
            return socket.toBuilder().setTypedConfig(Any.pack(tls.toBuilder().setSni(sni).build())).build();
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("the client transport socket holds an UpstreamTlsContext", e);
        }
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

    static ConfigSource ads() {
        return ConfigSource.newBuilder()
                .setAds(AggregatedConfigSource.getDefaultInstance())
                .setResourceApiVersion(ApiVersion.V3)
                .build();
    }

    /** The client listener of {@code service}: its FaultInjection's filter, if any, then the router. */
    private static Listener listener(String service, List<Policy> policies) {
        HttpConnectionManager.Builder manager = HttpConnectionManager.newBuilder()
                .setStatPrefix(service)
                .setCodecType(HttpConnectionManager.CodecType.AUTO)
                .setRds(Rds.newBuilder().setConfigSource(ads()).setRouteConfigName(service));
        FaultInjectionTranslator.httpFilter(service, policies).ifPresent(manager::addHttpFilters);
        manager.addHttpFilters(HttpFilter.newBuilder()
                .setName(ROUTER_FILTER)
                .setTypedConfig(Any.pack(Router.getDefaultInstance())));
        return Listener.newBuilder()
                .setName(service)
                .setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(manager.build())))
                .build();
    }

    private static RouteConfiguration routeConfiguration(String service, List<Route> routes) {
        return RouteConfiguration.newBuilder()
                .setName(service)
                .addVirtualHosts(VirtualHost.newBuilder()
                        .setName(service)
                        .addDomains("*")
                        .addAllRoutes(routes))
                .build();
    }

    /** Every route of the service with its Retry ({@link RetryTranslator}) and request Timeout ({@link TimeoutTranslator}). */
    private static List<Route> withRetryAndTimeout(String service, List<Route> routes, List<Policy> policies) {
        Optional<RetryPolicy> retry = RetryTranslator.retryPolicy(service, policies);
        Optional<Duration> request = TimeoutTranslator.request(service, policies);
        if (retry.isEmpty() && request.isEmpty()) {
            return routes;
        }
        return routes.stream().map(route -> {
            RouteAction.Builder action = route.getRoute().toBuilder();
            retry.ifPresent(action::setRetryPolicy);
            RouteAction limited = request.map(limit -> TimeoutTranslator.withRequest(action.build(), limit)).orElse(action.build());
            return route.toBuilder().setRoute(limited).build();
        }).toList();
    }

    /** The cluster with the connect and idle timeouts of its service's Timeout ({@link TimeoutTranslator}). */
    private static Cluster withTimeouts(Cluster cluster, String service, List<Policy> policies) {
        Cluster.Builder timed = cluster.toBuilder();
        TimeoutTranslator.connect(service, policies).ifPresent(timed::setConnectTimeout);
        TimeoutTranslator.upstreamProtocolOptions(service, policies).ifPresent(options ->
                timed.putTypedExtensionProtocolOptions(TimeoutTranslator.HTTP_PROTOCOL_OPTIONS, Any.pack(options)));
        return timed.build();
    }

    /** The cluster with the thresholds and outlier detection of the subset's CircuitBreaker, if it has one. */
    private static Cluster withCircuitBreaker(Cluster cluster, EndpointSubset subset, List<Policy> policies) {
        Cluster.Builder limited = cluster.toBuilder();
        CircuitBreakerTranslator.circuitBreakers(subset.service(), subset.selector(), policies).ifPresent(breakers -> {
            limited.setCircuitBreakers(breakers);
            CircuitBreakerTranslator.loadReportServer(breakers).ifPresent(limited::setLrsServer);
        });
        CircuitBreakerTranslator.outlierDetection(subset.service(), subset.selector(), policies)
                .ifPresent(limited::setOutlierDetection);
        return limited.build();
    }

    static Cluster edsCluster(String name, Optional<TransportSocket> tls) {
        Cluster.Builder cluster = Cluster.newBuilder()
                .setName(name)
                .setType(Cluster.DiscoveryType.EDS)
                .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setEdsConfig(ads()))
                .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN)
                .setConnectTimeout(CONNECT_TIMEOUT);
        tls.ifPresent(cluster::setTransportSocket);
        return cluster.build();
    }
}

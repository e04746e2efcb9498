package dev.fedmesh.policy.xds;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Duration;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.MtlsModeSpec;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.api.v1.Service;
import dev.fedmesh.policy.faultinjection.FaultInjectionTranslator;
import dev.fedmesh.policy.mtlsmode.MtlsModeTranslator;
import dev.fedmesh.policy.ratelimit.RateLimitTranslator;
import dev.fedmesh.policy.trafficpermission.TrafficPermissionTranslator;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The Envoy resources of a sidecar in front of one workload ({@link SidecarWorkload}). Pure and
 * deterministic.
 *
 * <p><b>Inbound</b>: one Listener {@code inbound|<port>} on every interface at the workload's port,
 * whose HttpConnectionManager routes every request to the application at 127.0.0.1:{@code appPort}
 * (the STATIC cluster {@link #localClusterName}), through the HTTP filters of the workload's
 * service in this order: TrafficPermission's RBAC, RateLimit's limits, then the router. mTLS follows
 * the service's MtlsMode: STRICT one filter chain presenting the workload's SVID and requiring a
 * client certificate of the tenant's roots; PERMISSIVE the {@code tls_inspector} and two chains, the
 * same mutual TLS for TLS callers and plaintext for the others; no mode, plaintext only.
 *
 * <p><b>Outbound</b>: per service the workload calls ({@link SidecarWorkload#upstreams()}), a
 * Listener {@code outbound|<service>} at 127.0.0.1:{@code <local port>} whose HttpConnectionManager
 * runs the service's FaultInjection filter, as a proxyless client's listener does (a fault is injected
 * once, by the caller), and takes, over RDS, the very RouteConfiguration {@code <service>} proxyless
 * gRPC clients get (with any subset's faults on its weighted clusters), and so
 * the very EDS clusters and endpoints: the mesh's routes, clusters and endpoints are served to the
 * sidecar as {@link ProxyConfigTranslator} made them, each cluster only given what an Envoy needs
 * beyond a gRPC client: HTTP/2 or HTTP/1.1 as the application spoke it, and its mTLS certificates
 * over SDS instead of file watchers ({@link #forEnvoy}). A service the config does not list gets no
 * listener.
 *
 * <p>Certificates and roots come from the agent's SDS ({@value #SDS_CLUSTER}, a cluster of the
 * sidecar's bootstrap reaching the agent's SDS socket): the workload's SVID is the secret named by
 * its SPIFFE id, the tenant's roots the one named by the trust domain's id.
 */
public final class EnvoySidecar {

    /** The bootstrap cluster through which the sidecar reaches the agent's SDS. */
    public static final String SDS_CLUSTER = "fedmesh_sds";

    /** The Listener of the sidecar's inbound port. */
    public static String inboundListenerName(int port) {
        return "inbound|" + port;
    }

    /** The Listener of the local port at which the application calls {@code service}. */
    public static String outboundListenerName(String service) {
        return "outbound|" + service;
    }

    /** The STATIC cluster of the application behind the sidecar. */
    public static String localClusterName(String service, int appPort) {
        return "local|" + service + "|" + appPort;
    }

    private static final String ANY_ADDRESS = "0.0.0.0";
    private static final String LOOPBACK = "127.0.0.1";
    private static final Duration CONNECT_TIMEOUT = Duration.newBuilder().setSeconds(5).build();
    private static final List<String> ALPN = List.of("h2", "http/1.1");

    private EnvoySidecar() {
    }

    /**
     * The sidecar's resources.
     *
     * @param config   the cluster's desired config (services, policies, trust domain)
     * @param workload the workload the sidecar stands in front of
     * @param mesh     what {@link ProxyConfigTranslator} made of the same config for the cluster's proxies
     */
    public static XdsResources resources(DesiredConfig config, SidecarWorkload workload, XdsResources mesh) {
        String trustDomain = config.getTrust().getTrustDomain();
        List<Policy> policies = config.getPoliciesList();
        Set<String> services = config.getServicesList().stream().map(Service::getName).collect(Collectors.toSet());
        String identity = WorkloadIdentities.spiffeId(trustDomain, workload.namespace(), workload.service());

        List<Listener> listeners = new ArrayList<>();
        listeners.add(inbound(workload, trustDomain, identity, policies));
        new TreeMap<>(workload.upstreams()).forEach((service, port) -> {
            if (services.contains(service)) {
                listeners.add(outbound(service, port, policies));
            }
        });
        listeners.sort(Comparator.comparing(Listener::getName));

        List<Cluster> clusters = new ArrayList<>();
        for (Cluster cluster : mesh.clusters()) {
            clusters.add(forEnvoy(cluster, trustDomain, identity));
        }
        clusters.add(localCluster(workload));
        clusters.sort(Comparator.comparing(Cluster::getName));
        return new XdsResources(listeners, mesh.routes(), clusters, mesh.endpoints());
    }

    /**
     * The inbound HTTP filters of the workload, in order, the router last. Each kind that filters
     * requests adds its filters here.
     */
    static List<HttpFilter> inboundFilters(SidecarWorkload workload, String trustDomain, List<Policy> policies) {
        List<HttpFilter> filters = new ArrayList<>();
        filters.addAll(TrafficPermissionTranslator.httpFilters(workload.service(), trustDomain, policies));
        filters.addAll(RateLimitTranslator.httpFilters(workload.service(), workload.labels(), trustDomain, policies));
        filters.add(router());
        return filters;
    }

    private static Listener inbound(SidecarWorkload workload, String trustDomain, String identity, List<Policy> policies) {
        String prefix = "inbound|" + workload.service();
        String local = localClusterName(workload.service(), workload.appPort());
        HttpConnectionManager manager = HttpConnectionManager.newBuilder()
                .setStatPrefix(prefix)
                .setCodecType(HttpConnectionManager.CodecType.AUTO)
                .setRouteConfig(RouteConfiguration.newBuilder()
                        .setName(prefix)
                        .addVirtualHosts(VirtualHost.newBuilder()
                                .setName(prefix)
                                .addDomains("*")
                                .addRoutes(Route.newBuilder()
                                        .setName(ServiceRoute.DEFAULT_ROUTE)
                                        .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                                        // The caller's route holds the call's timeout; streams may be long.
                                        .setRoute(RouteAction.newBuilder()
                                                .setCluster(local)
                                                .setTimeout(Duration.getDefaultInstance())))))
                .addAllHttpFilters(inboundFilters(workload, trustDomain, policies))
                .build();
        Filter http = Filter.newBuilder()
                .setName(ServerListeners.HTTP_CONNECTION_MANAGER)
                .setTypedConfig(Any.pack(manager))
                .build();
        Listener.Builder listener = Listener.newBuilder()
                .setName(inboundListenerName(workload.port()))
                .setAddress(socket(ANY_ADDRESS, workload.port()))
                .setTrafficDirection(TrafficDirection.INBOUND);
        MtlsModeSpec.Mode mode = MtlsModeTranslator.mode(workload.service(), policies).orElse(null);
        if (mode == null) {
            return listener.addFilterChains(FilterChain.newBuilder().setName(prefix).addFilters(http)).build();
        }
        FilterChain.Builder tls = FilterChain.newBuilder()
                .setName(prefix + "|mtls")
                .addFilters(http)
                .setTransportSocket(tlsSocket(Any.pack(DownstreamTlsContext.newBuilder()
                        .setCommonTlsContext(sdsTls(trustDomain, identity, CertificateValidationContext.getDefaultInstance()))
                        .setRequireClientCertificate(BoolValue.of(true))
                        .build())));
        if (mode == MtlsModeSpec.Mode.MODE_STRICT) {
            return listener.addFilterChains(tls).build();
        }
        return listener
                .addListenerFilters(ListenerFilter.newBuilder()
                        .setName(EastWestGateway.TLS_INSPECTOR)
                        .setTypedConfig(Any.pack(TlsInspector.getDefaultInstance())))
                .addFilterChains(tls.setFilterChainMatch(FilterChainMatch.newBuilder().setTransportProtocol("tls")))
                .addFilterChains(FilterChain.newBuilder()
                        .setName(prefix + "|plaintext")
                        .setFilterChainMatch(FilterChainMatch.newBuilder().setTransportProtocol("raw_buffer"))
                        .addFilters(http))
                .build();
    }

    private static Listener outbound(String service, int port, List<Policy> policies) {
        String name = outboundListenerName(service);
        HttpConnectionManager.Builder manager = HttpConnectionManager.newBuilder()
                .setStatPrefix(name)
                .setCodecType(HttpConnectionManager.CodecType.AUTO)
                .setRds(Rds.newBuilder().setConfigSource(ProxyConfigTranslator.ads()).setRouteConfigName(service));
        // The caller injects a service's faults, as a proxyless caller does: once, whatever the callee runs.
        FaultInjectionTranslator.httpFilter(service, policies).ifPresent(manager::addHttpFilters);
        manager.addHttpFilters(router());
        return Listener.newBuilder()
                .setName(name)
                .setAddress(socket(LOOPBACK, port))
                .setTrafficDirection(TrafficDirection.OUTBOUND)
                .addFilterChains(FilterChain.newBuilder()
                        .setName(name)
                        .addFilters(Filter.newBuilder()
                                .setName(ServerListeners.HTTP_CONNECTION_MANAGER)
                                .setTypedConfig(Any.pack(manager.build()))))
                .build();
    }

    /**
     * A mesh cluster as an Envoy sidecar needs it: everything {@link ProxyConfigTranslator} put in it
     * kept, upstream HTTP in the protocol the application spoke, and a TLS context (when the callee is
     * STRICT) that takes the workload's SVID and the tenant's roots over SDS, checking the callee's
     * SPIFFE id with the same matchers, to the same server name.
     */
    public static Cluster forEnvoy(Cluster cluster, String trustDomain, String identity) {
        Cluster.Builder envoy = cluster.toBuilder()
                .putTypedExtensionProtocolOptions(HttpProtocolOptions.getDescriptor().getFullName(),
                        Any.pack(downstreamProtocol()));
        if (cluster.hasTransportSocket()) {
            UpstreamTlsContext grpc = unpack(cluster.getTransportSocket());
            CertificateValidationContext peer = CertificateValidationContext.newBuilder()
                    .addAllMatchTypedSubjectAltNames(grpc.getCommonTlsContext().getValidationContext()
                            .getMatchTypedSubjectAltNamesList())
                    .build();
            envoy.setTransportSocket(tlsSocket(Any.pack(UpstreamTlsContext.newBuilder()
                    .setSni(grpc.getSni())
                    .setCommonTlsContext(sdsTls(trustDomain, identity, peer))
                    .build())));
        }
        return envoy.build();
    }

    private static UpstreamTlsContext unpack(TransportSocket socket) {
        try {
            return socket.getTypedConfig().unpack(UpstreamTlsContext.class);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("a mesh cluster's transport socket holds an UpstreamTlsContext", e);
        }
    }

    private static Cluster localCluster(SidecarWorkload workload) {
        return Cluster.newBuilder()
                .setName(localClusterName(workload.service(), workload.appPort()))
                .setType(Cluster.DiscoveryType.STATIC)
                .setConnectTimeout(CONNECT_TIMEOUT)
                .putTypedExtensionProtocolOptions(HttpProtocolOptions.getDescriptor().getFullName(),
                        Any.pack(downstreamProtocol()))
                .setLoadAssignment(ClusterLoadAssignment.newBuilder()
                        .setClusterName(localClusterName(workload.service(), workload.appPort()))
                        .addEndpoints(LocalityLbEndpoints.newBuilder()
                                .addLbEndpoints(LbEndpoint.newBuilder()
                                        .setEndpoint(FederatedAssignment.endpoint(LOOPBACK, workload.appPort())))))
                .build();
    }

    private static HttpProtocolOptions downstreamProtocol() {
        return HttpProtocolOptions.newBuilder()
                .setUseDownstreamProtocolConfig(HttpProtocolOptions.UseDownstreamHttpConfig.newBuilder()
                        .setHttpProtocolOptions(Http1ProtocolOptions.getDefaultInstance())
                        .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()))
                .build();
    }

    /** TLS presenting {@code identity}'s SVID and validating peers against the tenant's roots, both over SDS. */
    private static CommonTlsContext sdsTls(String trustDomain, String identity, CertificateValidationContext peer) {
        return CommonTlsContext.newBuilder()
                .addAllAlpnProtocols(ALPN)
                .addTlsCertificateSdsSecretConfigs(sdsSecret(identity))
                .setCombinedValidationContext(CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
                        .setDefaultValidationContext(peer)
                        .setValidationContextSdsSecretConfig(sdsSecret("spiffe://" + trustDomain)))
                .build();
    }

    private static SdsSecretConfig sdsSecret(String name) {
        return SdsSecretConfig.newBuilder()
                .setName(name)
                .setSdsConfig(ConfigSource.newBuilder()
                        .setResourceApiVersion(ApiVersion.V3)
                        .setApiConfigSource(ApiConfigSource.newBuilder()
                                .setApiType(ApiConfigSource.ApiType.GRPC)
                                .setTransportApiVersion(ApiVersion.V3)
                                .addGrpcServices(GrpcService.newBuilder()
                                        .setEnvoyGrpc(GrpcService.EnvoyGrpc.newBuilder().setClusterName(SDS_CLUSTER)))))
                .build();
    }

    private static TransportSocket tlsSocket(Any tls) {
        return TransportSocket.newBuilder().setName(MtlsModeTranslator.TLS_TRANSPORT_SOCKET).setTypedConfig(tls).build();
    }

    private static HttpFilter router() {
        return HttpFilter.newBuilder()
                .setName(ProxyConfigTranslator.ROUTER_FILTER)
                .setTypedConfig(Any.pack(Router.getDefaultInstance()))
                .build();
    }

    private static Address socket(String address, int port) {
        return Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress(address).setPortValue(port)).build();
    }
}

package dev.fedmesh.policy.xds;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.NonForwardingAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.List;
import java.util.Optional;

/**
 * The server-side Listener of a workload listening on a port, as a proxyless gRPC server
 * ({@code XdsServerBuilder.forPort(port, …)}) asks for it: named from the bootstrap's
 * {@code server_listener_resource_name_template} with the listening address {@code 0.0.0.0:<port>},
 * addressed the same (gRPC refuses a listener whose address differs), one filter chain whose
 * HttpConnectionManager holds an inline route answering every call itself (NonForwardingAction),
 * the service's HTTP filters (RBAC) before the router, and the service's transport socket (mTLS).
 */
public final class ServerListeners {

    /** The template every workload's bootstrap sets as {@code server_listener_resource_name_template}. */
    public static final String NAME_TEMPLATE = "grpc/server?xds.resource.listening_address=%s";

    /** Name of the network filter holding the HttpConnectionManager. */
    public static final String HTTP_CONNECTION_MANAGER = "envoy.filters.network.http_connection_manager";

    private static final String ANY_ADDRESS = "0.0.0.0";

    private ServerListeners() {
    }

    /** The Listener name a server listening on {@code port} of every interface asks for. */
    public static String name(int port) {
        return NAME_TEMPLATE.replace("%s", ANY_ADDRESS + ":" + port);
    }

    /** The Listener of {@code service}'s workloads listening on {@code port}. */
    public static Listener listener(String service, int port, List<HttpFilter> filters, Optional<TransportSocket> tls) {
        String inbound = "inbound|" + service;
        HttpConnectionManager manager = HttpConnectionManager.newBuilder()
                .setStatPrefix(inbound)
                .setCodecType(HttpConnectionManager.CodecType.AUTO)
                .setRouteConfig(RouteConfiguration.newBuilder()
                        .setName(inbound)
                        .addVirtualHosts(VirtualHost.newBuilder()
                                .setName(inbound)
                                .addDomains("*")
                                .addRoutes(Route.newBuilder()
                                        .setName(ServiceRoute.DEFAULT_ROUTE)
                                        .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                                        .setNonForwardingAction(NonForwardingAction.getDefaultInstance()))))
                .addAllHttpFilters(filters)
                .addHttpFilters(HttpFilter.newBuilder()
                        .setName(ProxyConfigTranslator.ROUTER_FILTER)
                        .setTypedConfig(Any.pack(Router.getDefaultInstance())))
                .build();
        FilterChain.Builder chain = FilterChain.newBuilder()
                .setName(inbound)
                .addFilters(Filter.newBuilder()
                        .setName(HTTP_CONNECTION_MANAGER)
                        .setTypedConfig(Any.pack(manager)));
        tls.ifPresent(chain::setTransportSocket);
        return Listener.newBuilder()
                .setName(name(port))
                .setAddress(Address.newBuilder().setSocketAddress(SocketAddress.newBuilder()
                        .setAddress(ANY_ADDRESS)
                        .setPortValue(port)))
                .setTrafficDirection(TrafficDirection.INBOUND)
                .addFilterChains(chain)
                .build();
    }
}

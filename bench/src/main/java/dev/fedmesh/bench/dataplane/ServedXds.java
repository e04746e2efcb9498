package dev.fedmesh.bench.dataplane;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What an agent serves for one service, read the way a proxy reads it (a wildcard ADS request per
 * resource type), and which of the data-plane policies it carries: the mTLS and RBAC of the
 * service's server Listener, the mTLS of its client Cluster, and the retry policy and maximum
 * stream duration of its client routes.
 */
record ServedXds(boolean serverMtls, boolean serverRbac, boolean clientMtls, List<String> retryPolicies,
                 List<String> maxStreamDurations, List<String> routeTimeouts) {
    private static final String LISTENER = "type.googleapis.com/envoy.config.listener.v3.Listener";
    private static final String ROUTE = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
    private static final String CLUSTER = "type.googleapis.com/envoy.config.cluster.v3.Cluster";

    /** Reads what the ADS server at {@code adsHostPort} serves now for {@code service}'s callers and servers. */
    static ServedXds of(String adsHostPort, String service) throws Exception {
        ManagedChannel channel = Grpc.newChannelBuilder(adsHostPort, InsecureChannelCredentials.create()).build();
        try {
            boolean serverMtls = false;
            boolean serverRbac = false;
            for (Any resource : fetch(channel, LISTENER)) {
                Listener listener = resource.unpack(Listener.class);
                if (!listener.hasApiListener() && listener.getName().startsWith("grpc/server")) {
                    for (FilterChain chain : listener.getFilterChainsList()) {
                        serverMtls |= chain.getTransportSocket().getTypedConfig().getTypeUrl().endsWith("DownstreamTlsContext");
                        serverRbac |= httpFilters(chain).stream()
                                .anyMatch(filter -> filter.getTypedConfig().getTypeUrl().endsWith("rbac.v3.RBAC"));
                    }
                }
            }
            boolean clientMtls = false;
            for (Any resource : fetch(channel, CLUSTER)) {
                Cluster cluster = resource.unpack(Cluster.class);
                if (cluster.getName().endsWith("|" + service) || cluster.getName().contains("|" + service + "|")) {
                    clientMtls |= cluster.getTransportSocket().getTypedConfig().getTypeUrl().endsWith("UpstreamTlsContext");
                }
            }
            List<String> retries = new ArrayList<>();
            List<String> maxStreamDurations = new ArrayList<>();
            List<String> timeouts = new ArrayList<>();
            for (Any resource : fetch(channel, ROUTE)) {
                RouteConfiguration routes = resource.unpack(RouteConfiguration.class);
                if (!routes.getName().equals(service)) {
                    continue;
                }
                for (VirtualHost host : routes.getVirtualHostsList()) {
                    if (host.hasRetryPolicy()) {
                        retries.add("virtual host " + host.getName() + ": " + oneLine(host.getRetryPolicy()));
                    }
                    for (Route route : host.getRoutesList()) {
                        if (route.getRoute().hasRetryPolicy()) {
                            retries.add("route " + route.getName() + ": " + oneLine(route.getRoute().getRetryPolicy()));
                        }
                        if (route.getRoute().hasMaxStreamDuration()) {
                            maxStreamDurations.add("route " + route.getName() + ": "
                                    + oneLine(route.getRoute().getMaxStreamDuration()));
                        }
                        if (route.getRoute().hasTimeout()) {
                            timeouts.add("route " + route.getName() + ": " + oneLine(route.getRoute().getTimeout()));
                        }
                    }
                }
            }
            return new ServedXds(serverMtls, serverRbac, clientMtls, retries, maxStreamDurations, timeouts);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** The lines the report prints: one per policy, saying whether and where the served xDS carries it. */
    List<String> describe() {
        return List.of(
                "STRICT mTLS: server Listener DownstreamTlsContext " + (serverMtls ? "present" : "ABSENT")
                        + ", client Cluster UpstreamTlsContext " + (clientMtls ? "present" : "ABSENT"),
                "TrafficPermission: server Listener RBAC filter " + (serverRbac ? "present" : "ABSENT"),
                "Retry: route retry_policy " + (retryPolicies.isEmpty() ? "absent" : String.join("; ", retryPolicies)),
                "Timeout: route max_stream_duration " + (maxStreamDurations.isEmpty() ? "absent"
                        : String.join("; ", maxStreamDurations))
                        + (routeTimeouts.isEmpty() ? "" : ", route timeout " + String.join("; ", routeTimeouts)));
    }

    private static List<HttpFilter> httpFilters(FilterChain chain) throws InvalidProtocolBufferException {
        List<HttpFilter> filters = new ArrayList<>();
        for (Filter filter : chain.getFiltersList()) {
            if (filter.getTypedConfig().is(HttpConnectionManager.class)) {
                filters.addAll(filter.getTypedConfig().unpack(HttpConnectionManager.class).getHttpFiltersList());
            }
        }
        return filters;
    }

    private static String oneLine(com.google.protobuf.MessageOrBuilder message) {
        return com.google.protobuf.TextFormat.printer().shortDebugString(message);
    }

    /** Every resource of {@code typeUrl} the server holds for any node: one wildcard request, its first answer. */
    private static List<Any> fetch(ManagedChannel channel, String typeUrl) throws Exception {
        CompletableFuture<List<Any>> answer = new CompletableFuture<>();
        StreamObserver<DiscoveryRequest> requests = AggregatedDiscoveryServiceGrpc.newStub(channel)
                .streamAggregatedResources(new StreamObserver<>() {
                    @Override
                    public void onNext(DiscoveryResponse response) {
                        if (response.getTypeUrl().equals(typeUrl)) {
                            answer.complete(response.getResourcesList());
                        }
                    }

                    @Override
                    public void onError(Throwable error) {
                        answer.completeExceptionally(error);
                    }

                    @Override
                    public void onCompleted() {
                        answer.completeExceptionally(new IllegalStateException("the ADS stream ended before an answer"));
                    }
                });
        requests.onNext(DiscoveryRequest.newBuilder()
                .setNode(Node.newBuilder().setId("fedmesh-bench-inspector"))
                .setTypeUrl(typeUrl)
                .build());
        try {
            return answer.get(10, TimeUnit.SECONDS);
        } finally {
            requests.onCompleted();
        }
    }
}

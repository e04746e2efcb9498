package dev.fedmesh.agent.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.fedmesh.policy.xds.EnvoyConstraints;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One Envoy's ADS stream, state of the world: it asks for every cluster and listener, then for the
 * endpoints of the EDS clusters and the RouteConfigurations its listeners name over RDS, and ACKs
 * every response with its version and nonce, as Envoy does. It keeps the newest response of each type.
 */
final class EnvoyStream implements AutoCloseable {

    static final String LISTENERS = Resources.V3.LISTENER_TYPE_URL;
    static final String ROUTES = Resources.V3.ROUTE_TYPE_URL;
    static final String CLUSTERS = Resources.V3.CLUSTER_TYPE_URL;
    static final String ENDPOINTS = Resources.V3.ENDPOINT_TYPE_URL;
    // Generous: an agent applies its config and answers a stream within a second or two.
    static final Duration PATIENCE = Duration.ofSeconds(60);

    private final ManagedChannel channel;
    private final Node node;
    private final Map<String, DiscoveryResponse> newest = new HashMap<>();
    private final Map<String, Integer> responses = new HashMap<>();
    private List<String> endpointNames = List.of();
    private List<String> routeNames = List.of();
    private StreamObserver<DiscoveryRequest> requests;
    private Throwable failure;

    private EnvoyStream(ManagedChannel channel, Node node) {
        this.channel = channel;
        this.node = node;
    }

    static EnvoyStream open(String target, Node node) {
        EnvoyStream stream = new EnvoyStream(
                Grpc.newChannelBuilder(target, InsecureChannelCredentials.create()).build(), node);
        synchronized (stream) {
            stream.requests = AggregatedDiscoveryServiceGrpc.newStub(stream.channel)
                    .streamAggregatedResources(stream.new Responses());
            stream.request(CLUSTERS, List.of());
            stream.request(LISTENERS, List.of());
        }
        return stream;
    }

    private final class Responses implements StreamObserver<DiscoveryResponse> {
        @Override
        public void onNext(DiscoveryResponse response) {
            received(response);
        }

        @Override
        public void onError(Throwable error) {
            failed(error);
        }

        @Override
        public void onCompleted() {
            failed(new IllegalStateException("the agent ended the stream"));
        }
    }

    private synchronized void received(DiscoveryResponse response) {
        String type = response.getTypeUrl();
        newest.put(type, response);
        responses.merge(type, 1, Integer::sum);
        request(type, type.equals(ENDPOINTS) ? endpointNames : type.equals(ROUTES) ? routeNames : List.of());
        if (type.equals(CLUSTERS)) {
            List<String> names = clusters().stream()
                    .filter(cluster -> cluster.getType() == Cluster.DiscoveryType.EDS)
                    .map(Cluster::getName).sorted().toList();
            if (!names.equals(endpointNames)) {
                endpointNames = names;
                request(ENDPOINTS, endpointNames);
            }
        }
        if (type.equals(LISTENERS)) {
            List<String> names = rdsNames();
            if (!names.equals(routeNames)) {
                routeNames = names;
                request(ROUTES, routeNames);
            }
        }
        notifyAll();
    }

    /** The RouteConfigurations the listeners take over RDS, sorted. */
    private List<String> rdsNames() {
        TreeSet<String> names = new TreeSet<>();
        for (Listener listener : listeners()) {
            List<Any> managers = new ArrayList<>();
            if (listener.hasApiListener()) {
                managers.add(listener.getApiListener().getApiListener());
            }
            for (FilterChain chain : listener.getFilterChainsList()) {
                for (Filter filter : chain.getFiltersList()) {
                    if (filter.getTypedConfig().is(HttpConnectionManager.class)) {
                        managers.add(filter.getTypedConfig());
                    }
                }
            }
            for (Any manager : managers) {
                HttpConnectionManager unpacked = unpack(manager, HttpConnectionManager.class);
                if (unpacked.hasRds()) {
                    names.add(unpacked.getRds().getRouteConfigName());
                }
            }
        }
        return List.copyOf(names);
    }

    private synchronized void failed(Throwable error) {
        failure = error;
        notifyAll();
    }

    /** An ACK of the newest response of {@code type}, or the first request when there is none. */
    private void request(String type, List<String> names) {
        DiscoveryResponse held = newest.get(type);
        DiscoveryRequest.Builder request = DiscoveryRequest.newBuilder()
                .setNode(node)
                .setTypeUrl(type)
                .addAllResourceNames(names);
        if (held != null) {
            request.setVersionInfo(held.getVersionInfo()).setResponseNonce(held.getNonce());
        }
        requests.onNext(request.build());
    }

    /** Waits until what the stream holds satisfies {@code expected}; fails naming {@code what} and what it holds. */
    synchronized void await(String what, Predicate<EnvoyStream> expected) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!expected.test(this)) {
            assertThat(failure).as("the stream of %s, waiting for %s", node.getId(), what).isNull();
            long left = deadline - System.nanoTime();
            assertThat(left).as("%s waited %d s for %s; it holds listeners %s, routes %s, clusters %s, endpoints %s",
                    node.getId(), PATIENCE.toSeconds(), what, listeners().stream().map(Listener::getName).toList(),
                    routes().stream().map(RouteConfiguration::getName).toList(),
                    clusters().stream().map(Cluster::getName).toList(), endpoints().keySet()).isPositive();
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    synchronized List<Listener> listeners() {
        return unpacked(LISTENERS, Listener.class);
    }

    synchronized List<RouteConfiguration> routes() {
        return unpacked(ROUTES, RouteConfiguration.class);
    }

    synchronized List<Cluster> clusters() {
        return unpacked(CLUSTERS, Cluster.class);
    }

    /** The newest endpoints, by cluster name. */
    synchronized Map<String, ClusterLoadAssignment> endpoints() {
        Map<String, ClusterLoadAssignment> byCluster = new TreeMap<>();
        unpacked(ENDPOINTS, ClusterLoadAssignment.class)
                .forEach(assignment -> byCluster.put(assignment.getClusterName(), assignment));
        return byCluster;
    }

    /** The version of the newest response of {@code type}; empty before the first. */
    synchronized String version(String type) {
        DiscoveryResponse held = newest.get(type);
        return held == null ? "" : held.getVersionInfo();
    }

    synchronized int responses(String type) {
        return responses.getOrDefault(type, 0);
    }

    /** What every resource the stream holds breaks of Envoy's own validation rules. */
    synchronized List<String> violations() {
        List<Message> held = new ArrayList<>();
        held.addAll(listeners());
        held.addAll(routes());
        held.addAll(clusters());
        held.addAll(endpoints().values());
        return held.stream().flatMap(resource -> EnvoyConstraints.violations(resource).stream()).toList();
    }

    private <T extends Message> List<T> unpacked(String type, Class<T> kind) {
        DiscoveryResponse held = newest.get(type);
        if (held == null) {
            return List.of();
        }
        List<T> out = new ArrayList<>();
        for (Any resource : held.getResourcesList()) {
            out.add(unpack(resource, kind));
        }
        return out;
    }

    private static <T extends Message> T unpack(Any resource, Class<T> kind) {
        try {
            return resource.unpack(kind);
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError("a " + resource.getTypeUrl() + " resource that does not parse", e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        synchronized (this) {
            if (failure == null) {
                requests.onCompleted();
            }
        }
        channel.shutdownNow();
        channel.awaitTermination(5, TimeUnit.SECONDS);
    }
}

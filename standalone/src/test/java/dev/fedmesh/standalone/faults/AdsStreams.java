package dev.fedmesh.standalone.faults;

import com.google.rpc.Status;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Many xDS clients on an agent's ADS port, each an open stream with a node id of its own that
 * subscribes to the four resource types a proxy asks for (listeners, routes, clusters, endpoints)
 * and ACKs every response, as a proxy does; or, for {@link #nacking}, rejects every response with a
 * message of its choosing. Streams share a few channels, as proxies behind one node would share
 * connections: the agent sees one stream per proxy.
 */
final class AdsStreams implements AutoCloseable {
    static final List<String> TYPES = List.of(
            "type.googleapis.com/envoy.config.listener.v3.Listener",
            "type.googleapis.com/envoy.config.route.v3.RouteConfiguration",
            "type.googleapis.com/envoy.config.cluster.v3.Cluster",
            "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment");
    private static final int STREAMS_PER_CHANNEL = 1_000;

    private final List<ManagedChannel> channels = new ArrayList<>();
    private final List<StreamObserver<DiscoveryRequest>> streams = new ArrayList<>();
    private final String target;

    private AdsStreams(String target) {
        this.target = target;
    }

    /** Opens {@code count} proxies' streams to the ADS server at {@code target}, node ids {@code <prefix>-0000…}. */
    static AdsStreams acking(String target, String prefix, int count) {
        AdsStreams proxies = new AdsStreams(target);
        for (int i = 0; i < count; i++) {
            proxies.open(String.format("%s-%04d", prefix, i), null);
        }
        return proxies;
    }

    /** Adds a proxy with node id {@code node} that answers every response with a NACK carrying {@code message}. */
    AdsStreams nacking(String node, String message) {
        open(node, message);
        return this;
    }

    private void open(String node, String nackMessage) {
        if (streams.size() % STREAMS_PER_CHANNEL == 0) {
            channels.add(Grpc.newChannelBuilder(target, InsecureChannelCredentials.create())
                    .maxInboundMessageSize(16 * 1024 * 1024).build());
        }
        AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceStub ads =
                AggregatedDiscoveryServiceGrpc.newStub(channels.get(channels.size() - 1));
        Answering answering = new Answering(nackMessage);
        StreamObserver<DiscoveryRequest> requests = ads.streamAggregatedResources(answering);
        answering.requests = requests;
        Node identity = Node.newBuilder().setId(node).build();
        synchronized (requests) {
            for (String type : TYPES) {
                requests.onNext(DiscoveryRequest.newBuilder().setNode(identity).setTypeUrl(type).build());
            }
        }
        streams.add(requests);
    }

    /** Answers each response on one stream: an ACK echoing its version and nonce, or a NACK. */
    private static final class Answering implements StreamObserver<DiscoveryResponse> {
        private final String nackMessage;
        private volatile StreamObserver<DiscoveryRequest> requests;

        private Answering(String nackMessage) {
            this.nackMessage = nackMessage;
        }

        @Override
        public void onNext(DiscoveryResponse response) {
            DiscoveryRequest.Builder answer = DiscoveryRequest.newBuilder()
                    .setTypeUrl(response.getTypeUrl())
                    .setResponseNonce(response.getNonce());
            if (nackMessage == null) {
                answer.setVersionInfo(response.getVersionInfo());
            } else {
                answer.setErrorDetail(Status.newBuilder().setCode(3).setMessage(nackMessage));
            }
            StreamObserver<DiscoveryRequest> stream = requests;
            synchronized (stream) {
                stream.onNext(answer.build());
            }
        }

        @Override
        public void onError(Throwable error) {
            // The agent closed the stream (it stops with the test): nothing to answer any more.
        }

        @Override
        public void onCompleted() {
        }
    }

    @Override
    public void close() {
        for (StreamObserver<DiscoveryRequest> stream : streams) {
            try {
                synchronized (stream) {
                    stream.onCompleted();
                }
            } catch (RuntimeException e) {
                // already closed by the agent
            }
        }
        for (ManagedChannel channel : channels) {
            channel.shutdownNow();
            try {
                channel.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

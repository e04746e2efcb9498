package dev.fedmesh.agent.sds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.secret.v3.SecretDiscoveryServiceGrpc;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An SDS stream as Envoy opens one: a real grpc-java client on the agent's Unix socket, naming the
 * secrets it wants, acknowledging each response.
 */
final class SdsStream implements AutoCloseable {

    static final String SECRET_TYPE = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private final ManagedChannel channel;
    private final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
    private final StreamObserver<DiscoveryRequest> requests;
    private final List<String> names;

    /** Opens a stream on {@code socket} and asks for {@code names}. */
    SdsStream(Path socket, String... names) {
        this.channel = Grpc.newChannelBuilder("unix://" + socket, InsecureChannelCredentials.create()).build();
        this.names = List.of(names);
        this.requests = SecretDiscoveryServiceGrpc.newStub(channel).streamSecrets(new StreamObserver<>() {
            @Override
            public void onNext(DiscoveryResponse response) {
                received.add(response);
            }

            @Override
            public void onError(Throwable error) {
                received.add(error);
            }

            @Override
            public void onCompleted() {
                received.add(new IllegalStateException("the agent ended the SDS stream"));
            }
        });
        requests.onNext(request("", ""));
    }

    /** The next response, acknowledged as Envoy acknowledges one it applied. */
    DiscoveryResponse next() throws InterruptedException {
        Object next = received.poll(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        assertThat(next).as("an SDS response within %s s", PATIENCE.toSeconds()).isNotNull();
        if (next instanceof Throwable error) {
            throw new AssertionError("the SDS stream failed", error);
        }
        DiscoveryResponse response = (DiscoveryResponse) next;
        requests.onNext(request(response.getVersionInfo(), response.getNonce()));
        return response;
    }

    /** What arrived so far and was not taken with {@link #next()}. */
    List<Object> pending() {
        return new ArrayList<>(received);
    }

    static List<Secret> secrets(DiscoveryResponse response) throws InvalidProtocolBufferException {
        assertThat(response.getTypeUrl()).isEqualTo(SECRET_TYPE);
        List<Secret> secrets = new ArrayList<>();
        for (Any resource : response.getResourcesList()) {
            secrets.add(resource.unpack(Secret.class));
        }
        return secrets;
    }

    private DiscoveryRequest request(String version, String nonce) {
        return DiscoveryRequest.newBuilder()
                .setNode(Node.newBuilder().setId("sidecar~10.0.0.7~greeter-7d9f.shop~shop.svc.cluster.local")
                        .setCluster("greeter"))
                .setTypeUrl(SECRET_TYPE)
                .addAllResourceNames(names)
                .setVersionInfo(version)
                .setResponseNonce(nonce)
                .build();
    }

    @Override
    public void close() throws InterruptedException {
        requests.onCompleted();
        channel.shutdownNow();
        channel.awaitTermination(5, TimeUnit.SECONDS);
    }
}

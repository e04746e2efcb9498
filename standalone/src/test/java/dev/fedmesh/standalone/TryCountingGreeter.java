package dev.fedmesh.standalone;

import dev.fedmesh.sample.v1.GreeterGrpc;
import dev.fedmesh.sample.v1.HelloReply;
import dev.fedmesh.sample.v1.HelloRequest;
import dev.fedmesh.testing.FreePort;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A greeter backend whose answer the caller scripts by the name it sends, and which counts the tries
 * of each name, so a test sees how often a client's retries reached it. Names are
 * {@code <script>-<a unique word without dashes>}: {@code fail-twice} answers UNAVAILABLE to the first two tries
 * and then greets; {@code unavailable}, {@code invalid} and {@code exhausted} always fail with
 * UNAVAILABLE, INVALID_ARGUMENT and RESOURCE_EXHAUSTED; {@code slow} greets after {@link #SLOW};
 * any other name is greeted at once.
 */
final class TryCountingGreeter extends GreeterGrpc.GreeterImplBase implements AutoCloseable {

    /** How long a {@code slow} call takes to be answered. */
    static final Duration SLOW = Duration.ofSeconds(30);

    private final Map<String, Integer> tries = new ConcurrentHashMap<>();
    private final Server server;

    private TryCountingGreeter() {
        try {
            server = Grpc.newServerBuilderForPort(FreePort.find(), InsecureServerCredentials.create())
                    .addService(this)
                    .build()
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the scripted greeter", e);
        }
    }

    /** A backend on a free port of every interface. */
    static TryCountingGreeter start() {
        return new TryCountingGreeter();
    }

    int port() {
        return server.getPort();
    }

    /** How many tries of the call named {@code name} arrived. */
    int triesOf(String name) {
        return tries.getOrDefault(name, 0);
    }

    @Override
    public void sayHello(HelloRequest request, StreamObserver<HelloReply> replies) {
        String name = request.getName();
        int attempt = tries.merge(name, 1, Integer::sum);
        String script = name.contains("-") ? name.substring(0, name.lastIndexOf('-')) : name;
        switch (script) {
            case "fail-twice" -> {
                if (attempt <= 2) {
                    replies.onError(Status.UNAVAILABLE.withDescription("try " + attempt + " of " + name).asRuntimeException());
                    return;
                }
            }
            case "unavailable" -> {
                replies.onError(Status.UNAVAILABLE.withDescription("always").asRuntimeException());
                return;
            }
            case "invalid" -> {
                replies.onError(Status.INVALID_ARGUMENT.withDescription("never valid").asRuntimeException());
                return;
            }
            case "exhausted" -> {
                replies.onError(Status.RESOURCE_EXHAUSTED.withDescription("no quota").asRuntimeException());
                return;
            }
            case "slow" -> Await.pause(SLOW);
            default -> {
            }
        }
        replies.onNext(HelloReply.newBuilder().setMessage("Hello " + name).build());
        replies.onCompleted();
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
    }
}

package dev.fedmesh.bench;

import dev.fedmesh.sample.v1.GreeterGrpc;
import dev.fedmesh.sample.v1.HelloReply;
import dev.fedmesh.sample.v1.HelloRequest;
import dev.fedmesh.testing.xds.ProxylessClients;
import io.grpc.ManagedChannel;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A real proxyless gRPC client of one cluster's greeter, resolved through that cluster's agent
 * over xDS. Once armed with a version, it calls until that version answers: the route it holds
 * then sends every call there, so the first such answer is when the change reached the client.
 */
final class ClientWatcher implements AutoCloseable {
    private static final HelloRequest HELLO = HelloRequest.newBuilder().setName("bench").build();
    // Between calls while waiting: bounds the reading's error without a busy loop on two cores.
    private static final long PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    private final String cluster;
    private final ManagedChannel channel;
    private final GreeterGrpc.GreeterBlockingStub greeter;

    ClientWatcher(String cluster, int xdsPort) {
        this.cluster = cluster;
        this.channel = ProxylessClients.channel("127.0.0.1:" + xdsPort, "bench-client-" + cluster, "greeter");
        this.greeter = GreeterGrpc.newBlockingStub(channel).withWaitForReady();
    }

    String cluster() {
        return cluster;
    }

    /** Calls until {@code version} answers; returns System.nanoTime() of that answer. */
    long awaitVersion(String version, Duration patience) {
        long deadline = System.nanoTime() + patience.toNanos();
        while (true) {
            HelloReply reply = greeter.withDeadlineAfter(10, TimeUnit.SECONDS).sayHello(HELLO);
            long answered = System.nanoTime();
            if (reply.getVersion().equals(version)) {
                return answered;
            }
            if (answered > deadline) {
                throw new IllegalStateException("the client in cluster " + cluster + " still reached "
                        + reply.getVersion() + " instead of " + version + " after " + patience.toSeconds() + " s");
            }
            LockSupport.parkNanos(PAUSE_NANOS);
        }
    }

    @Override
    public void close() {
        ProxylessClients.close(channel);
    }
}

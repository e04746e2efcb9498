package dev.fedmesh.standalone.sample;

import dev.fedmesh.sample.v1.GreeterGrpc;
import dev.fedmesh.sample.v1.HelloReply;
import dev.fedmesh.sample.v1.HelloRequest;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/** One instance of the sample greeter service: answers with its version and cluster. */
public final class GreeterServer implements AutoCloseable {
    private final Server server;
    private final String version;
    private final int port;

    private GreeterServer(Server server, String version) {
        this.server = server;
        this.version = version;
        this.port = server.getPort();
    }

    /** Starts an instance on a free loopback port. */
    public static GreeterServer start(String cluster, String version) {
        return start(cluster, version, 0);
    }

    /** Starts an instance on a loopback port: {@code port}, or a free one when it is 0 (e.g. to bring a stopped instance back where its callers knew it). */
    public static GreeterServer start(String cluster, String version, int port) {
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                .addService(new GreeterGrpc.GreeterImplBase() {
                    @Override
                    public void sayHello(HelloRequest request, StreamObserver<HelloReply> replies) {
                        replies.onNext(HelloReply.newBuilder()
                                .setMessage("Hello " + request.getName() + " from greeter " + version + " in " + cluster)
                                .setVersion(version)
                                .setCluster(cluster)
                                .build());
                        replies.onCompleted();
                    }
                })
                .build();
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("the greeter could not bind loopback port " + port, e);
        }
        return new GreeterServer(server, version);
    }

    /** The port it listens on, or listened on once stopped. */
    public int port() {
        return port;
    }

    /** Whether it was stopped. */
    public boolean isStopped() {
        return server.isShutdown();
    }

    public String version() {
        return version;
    }

    @Override
    public void close() {
        server.shutdown();
        try {
            if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
                server.shutdownNow();
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}

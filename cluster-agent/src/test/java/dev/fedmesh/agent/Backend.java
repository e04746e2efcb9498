package dev.fedmesh.agent;

import dev.fedmesh.policy.xds.ServiceEndpoint;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A real gRPC backend on loopback that answers every call with its own name, and the standard health service. */
final class Backend implements AutoCloseable {

    private final String name;
    private final Server server;
    private final HealthStatusManager health;

    private Backend(String name, Server server, HealthStatusManager health) {
        this.name = name;
        this.server = server;
        this.health = health;
    }

    static Backend start(String name) {
        HealthStatusManager health = new HealthStatusManager();
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new SimpleServiceGrpc.SimpleServiceImplBase() {
                    @Override
                    public void unaryRpc(SimpleRequest request, StreamObserver<SimpleResponse> response) {
                        response.onNext(SimpleResponse.newBuilder().setResponseMessage(name).build());
                        response.onCompleted();
                    }
                })
                .addService(health.getHealthService())
                .build();
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Backend(name, server, health);
    }

    /** This backend as an endpoint of {@code service} with the given labels. */
    ServiceEndpoint endpoint(String service, Map<String, String> labels) {
        return new ServiceEndpoint(service, "127.0.0.1", server.getPort(), labels);
    }

    /** What its health service answers ({@code ""} for the whole server: SERVING at start). */
    HealthStatusManager health() {
        return health;
    }

    String name() {
        return name;
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
    }
}

package dev.fedmesh.agent;

import dev.fedmesh.policy.xds.ServiceEndpoint;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A real gRPC backend on loopback that answers every call with its own name. */
final class Backend implements AutoCloseable {

    private final String name;
    private final Server server;

    private Backend(String name, Server server) {
        this.name = name;
        this.server = server;
    }

    static Backend start(String name) {
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new SimpleServiceGrpc.SimpleServiceImplBase() {
                    @Override
                    public void unaryRpc(SimpleRequest request, StreamObserver<SimpleResponse> response) {
                        response.onNext(SimpleResponse.newBuilder().setResponseMessage(name).build());
                        response.onCompleted();
                    }
                })
                .build();
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Backend(name, server);
    }

    /** This backend as an endpoint of {@code service} with the given labels. */
    ServiceEndpoint endpoint(String service, Map<String, String> labels) {
        return new ServiceEndpoint(service, "127.0.0.1", server.getPort(), labels);
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

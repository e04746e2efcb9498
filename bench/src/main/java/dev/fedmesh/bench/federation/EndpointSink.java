package dev.fedmesh.bench.federation;

import dev.fedmesh.sample.v1.GreeterGrpc;
import dev.fedmesh.sample.v1.HelloReply;
import dev.fedmesh.sample.v1.HelloRequest;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;

/**
 * One gRPC greeter answering on one port of every loopback address (127.0.0.0/8): the endpoints of
 * a paper tenant on this machine ({@code 127.<cluster>.x.y}) then answer the agents' TCP probes and
 * the clients' connections, without a server per endpoint. It listens on the wildcard address,
 * since Linux routes all of 127.0.0.0/8 to a socket bound there.
 */
final class EndpointSink implements AutoCloseable {
    private final Server server;

    private EndpointSink(Server server) {
        this.server = server;
    }

    static EndpointSink start() {
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress(0))
                .addService(new GreeterGrpc.GreeterImplBase() {
                    @Override
                    public void sayHello(HelloRequest request, StreamObserver<HelloReply> replies) {
                        replies.onNext(HelloReply.newBuilder().setVersion("sink").setCluster("sink").build());
                        replies.onCompleted();
                    }
                })
                .build();
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("the endpoint sink could not bind a port", e);
        }
        return new EndpointSink(server);
    }

    int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        server.shutdownNow();
    }
}

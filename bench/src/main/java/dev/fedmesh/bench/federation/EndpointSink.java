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
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * The endpoints of a paper tenant on this machine ({@code 127.<cluster>.x.y}), answered without a
 * server per endpoint: a gRPC greeter on one port and, on another, a socket that accepts every
 * connection and closes it at once, on every loopback address (127.0.0.0/8): both listen on the
 * wildcard address, since Linux routes all of 127.0.0.0/8 to a socket bound there. The agents' TCP
 * probes of thousands of endpoints go to the second: accepting and closing is all they need, and a
 * gRPC server handling tens of thousands of probe connections a second on two cores falls behind
 * and holds their sockets open until the process runs out of file descriptors. Several sockets share
 * that port ({@code SO_REUSEPORT}), each with its own accept queue and thread: one queue overflows
 * when every agent's round of probes arrives at once on a busy machine, and a dropped SYN is a probe
 * timed out.
 */
final class EndpointSink implements AutoCloseable {
    private static final int ACCEPTORS = 4;

    private final Server server;
    private final List<ServerSocketChannel> acceptors;

    private EndpointSink(Server server, List<ServerSocketChannel> acceptors) {
        this.server = server;
        this.acceptors = acceptors;
        for (int i = 0; i < acceptors.size(); i++) {
            ServerSocketChannel acceptor = acceptors.get(i);
            Thread accepting = new Thread(() -> acceptAndClose(acceptor), "bench-endpoint-sink-" + i);
            accepting.setDaemon(true);
            accepting.start();
        }
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
            List<ServerSocketChannel> acceptors = new ArrayList<>();
            int port = 0;
            for (int i = 0; i < ACCEPTORS; i++) {
                ServerSocketChannel acceptor = ServerSocketChannel.open();
                acceptor.setOption(StandardSocketOptions.SO_REUSEPORT, true);
                acceptor.bind(new InetSocketAddress(port), 4_096);
                port = acceptor.socket().getLocalPort();
                acceptors.add(acceptor);
            }
            return new EndpointSink(server, List.copyOf(acceptors));
        } catch (IOException e) {
            server.shutdownNow();
            throw new UncheckedIOException("the endpoint sink could not bind a port", e);
        }
    }

    private static void acceptAndClose(ServerSocketChannel acceptor) {
        while (acceptor.isOpen()) {
            // A plain close: a reset could reach the prober before it saw its connect complete.
            try {
                acceptor.accept().close();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                // A probe that reset its connection before it was accepted: nothing to answer.
            }
        }
    }

    /** The greeter's port. */
    int port() {
        return server.getPort();
    }

    /** The port that accepts and closes: what a TCP probe needs. */
    int probePort() {
        return acceptors.get(0).socket().getLocalPort();
    }

    @Override
    public void close() {
        for (ServerSocketChannel acceptor : acceptors) {
            try {
                acceptor.close();
            } catch (IOException e) {
                System.err.println("[bench] the endpoint sink's acceptor did not close cleanly: " + e);
            }
        }
        server.shutdownNow();
    }
}

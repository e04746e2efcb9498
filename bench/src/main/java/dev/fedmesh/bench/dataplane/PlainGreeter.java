package dev.fedmesh.bench.dataplane;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/** Variant (a): the greeter on a plain gRPC server and a plain channel to it, plaintext, no xDS, no mesh. */
final class PlainGreeter implements AutoCloseable {
    private final Server server;
    private final ManagedChannel channel;

    private PlainGreeter(Server server, ManagedChannel channel) {
        this.server = server;
        this.channel = channel;
    }

    static PlainGreeter start() throws IOException {
        // Every interface, as the xDS server of the other variant listens.
        Server server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create()).addService(new Greeter()).build()
                .start();
        return new PlainGreeter(server, Grpc.newChannelBuilderForAddress("127.0.0.1", server.getPort(),
                InsecureChannelCredentials.create()).build());
    }

    ManagedChannel channel() {
        return channel;
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}

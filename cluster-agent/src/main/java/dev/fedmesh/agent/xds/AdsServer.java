package dev.fedmesh.agent.xds;

import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;

/**
 * The agent's aggregated discovery service (ADS, xDS v3 state of the world) for the cluster's
 * proxies, served by java-control-plane from the snapshot cache; each request is answered with the
 * resources it names that the snapshot holds ({@link HeldResourcesWatcher}).
 */
public final class AdsServer implements AutoCloseable {

    private final Server server;

    private AdsServer(Server server) {
        this.server = server;
    }

    /**
     * Starts serving on {@code port} on every interface; 0 picks a free port. {@code callbacks}
     * see every stream open and close, request (ACK or NACK) and response.
     */
    public static AdsServer start(SimpleCache<String> cache, int port, DiscoveryServerCallbacks callbacks) {
        V3DiscoveryServer discovery = new V3DiscoveryServer(callbacks, new HeldResourcesWatcher(cache));
        Server server = Grpc.newServerBuilderForPort(port, InsecureServerCredentials.create())
                .addService(discovery.getAggregatedDiscoveryServiceImpl())
                .build();
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve xDS on port " + port
                    + " (set fedmesh.agent.xds.port to a free port, or 0 for any)", e);
        }
        return new AdsServer(server);
    }

    public int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        // ADS streams never end by themselves; proxies keep their config and reconnect.
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package dev.fedmesh.agent.xds;

import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The agent's aggregated discovery service (ADS, xDS v3 state of the world) for the cluster's
 * proxies, served by java-control-plane from the snapshot cache; each request is answered with the
 * resources it names that the snapshot holds ({@link HeldResourcesWatcher}).
 *
 * <p>It listens on one address, loopback unless configured otherwise; with {@link XdsServerTls} it
 * serves TLS and accepts only clients presenting a certificate that chains to the client CA. It is
 * the agent's only TCP listener: SDS, which hands out private keys, is served on a Unix socket only.
 */
public final class AdsServer implements AutoCloseable {

    private final Server server;
    private final Optional<ClientAuthenticatingTls> tls;

    private AdsServer(Server server, Optional<ClientAuthenticatingTls> tls) {
        this.server = server;
        this.tls = tls;
    }

    /**
     * Starts serving on {@code host} (an address of this machine) and {@code port}, 0 picking a free
     * port; with {@code tls}, only to clients with a certificate from its client CA. {@code callbacks}
     * see every stream open and close, request (ACK or NACK) and response.
     */
    public static AdsServer start(SimpleCache<String> cache, String host, int port, Optional<XdsServerTls> tls,
                                  DiscoveryServerCallbacks callbacks) {
        Optional<ClientAuthenticatingTls> authenticating = tls.map(ClientAuthenticatingTls::start);
        ServerCredentials credentials = authenticating.map(ClientAuthenticatingTls::credentials)
                .orElseGet(InsecureServerCredentials::create);
        V3DiscoveryServer discovery = new V3DiscoveryServer(callbacks, new HeldResourcesWatcher(cache));
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress(host, port), credentials)
                .addService(discovery.getAggregatedDiscoveryServiceImpl())
                .build();
        try {
            server.start();
        } catch (IOException e) {
            authenticating.ifPresent(ClientAuthenticatingTls::close);
            throw new UncheckedIOException("cannot serve xDS on " + host + ":" + port + " (" + e.getMessage()
                    + "): set fedmesh.agent.xds.port to a free port (0 for any) and fedmesh.agent.xds.host to an"
                    + " address of this machine", e);
        }
        return new AdsServer(server, authenticating);
    }

    public int port() {
        return server.getPort();
    }

    /** Whether clients must present a certificate of the client CA. */
    public boolean authenticatesClients() {
        return tls.isPresent();
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
        tls.ifPresent(ClientAuthenticatingTls::close);
    }
}

package dev.fedmesh.agent.xds;

import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

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

    private static final Context.Key<InetAddress> CLIENT_ADDRESS = Context.key("fedmesh-ads-client-address");
    private static final Context.Key<String> CLIENT_SPIFFE_ID = Context.key("fedmesh-ads-client-spiffe-id");

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
    public static AdsServer start(ProxySnapshots cache, String host, int port, Optional<XdsServerTls> tls,
                                  DiscoveryServerCallbacks callbacks) {
        return start(cache, host, port, tls, List.of(callbacks));
    }

    /**
     * Starts serving as {@link #start(ProxySnapshots, String, int, Optional, DiscoveryServerCallbacks)} does,
     * telling each of {@code callbacks}, in order, of every stream event; from inside a callback,
     * {@link #clientAddress()} names the stream's client.
     */
    public static AdsServer start(ProxySnapshots cache, String host, int port, Optional<XdsServerTls> tls,
                                  List<? extends DiscoveryServerCallbacks> callbacks) {
        Optional<ClientAuthenticatingTls> authenticating = tls.map(ClientAuthenticatingTls::start);
        ServerCredentials credentials = authenticating.map(ClientAuthenticatingTls::credentials)
                .orElseGet(InsecureServerCredentials::create);
        HeldResourcesWatcher watcher = new HeldResourcesWatcher(cache);
        // The watcher learns from each request what the proxy holds before any other callback may refuse it.
        List<DiscoveryServerCallbacks> all = new ArrayList<>();
        all.add(watcher);
        all.addAll(callbacks);
        V3DiscoveryServer discovery = new V3DiscoveryServer(all, watcher);
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress(host, port), credentials)
                .addService(ServerInterceptors.intercept(discovery.getAggregatedDiscoveryServiceImpl(),
                        new ClientAddressInterceptor()))
                .addService(new LoadReportSink())
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

    /**
     * The IP address the client of the ADS stream being handled by the calling thread connects from,
     * as the transport sees it; empty outside a stream's callbacks.
     */
    public static Optional<InetAddress> clientAddress() {
        return Optional.ofNullable(CLIENT_ADDRESS.get());
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

    /**
     * The SPIFFE id (the {@code spiffe://} URI SAN) of the client certificate presented by the client
     * of the ADS stream being handled by the calling thread; empty outside a stream's callbacks, on a
     * plaintext stream, or when the certificate names no SPIFFE id.
     */
    public static Optional<String> clientSpiffeId() {
        return Optional.ofNullable(CLIENT_SPIFFE_ID.get());
    }

    /** Puts each call's remote IP address and its client certificate's SPIFFE id in its context, where the stream callbacks run. */
    private static final class ClientAddressInterceptor implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                          ServerCallHandler<Q, R> next) {
            Context context = Context.current();
            SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
            if (remote instanceof InetSocketAddress inet && inet.getAddress() != null) {
                context = context.withValue(CLIENT_ADDRESS, inet.getAddress());
            }
            SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
            Optional<String> spiffeId = session == null ? Optional.empty() : spiffeId(session);
            if (spiffeId.isPresent()) {
                context = context.withValue(CLIENT_SPIFFE_ID, spiffeId.get());
            }
            return Contexts.interceptCall(context, call, headers, next);
        }

        private static Optional<String> spiffeId(SSLSession session) {
            try {
                Certificate[] chain = session.getPeerCertificates();
                if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)
                        || leaf.getSubjectAlternativeNames() == null) {
                    return Optional.empty();
                }
                for (List<?> name : leaf.getSubjectAlternativeNames()) {
                    // GeneralName 6: uniformResourceIdentifier.
                    if (name.size() == 2 && Integer.valueOf(6).equals(name.get(0)) && name.get(1) instanceof String uri
                            && uri.startsWith("spiffe://")) {
                        return Optional.of(uri);
                    }
                }
                return Optional.empty();
            } catch (SSLPeerUnverifiedException | CertificateParsingException e) {
                return Optional.empty();
            }
        }
    }
}

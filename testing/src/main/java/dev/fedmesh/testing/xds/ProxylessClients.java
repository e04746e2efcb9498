package dev.fedmesh.testing.xds;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.xds.XdsChannelCredentials;
import io.grpc.xds.XdsNameResolverProvider;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Proxyless gRPC clients of a mesh: channels to {@code xds:///<service>} that take their listeners,
 * routes, clusters and endpoints from a given ADS server, as an application in a cluster would.
 *
 * <p>Each distinct (ADS address, node id) gets its own name-resolver scheme and bootstrap, so one
 * JVM can hold clients of several clusters at once: grpc-java shares one xDS client per channel
 * target, and the scheme keeps the targets of different bootstraps apart. Nothing is registered
 * globally and no system property or GRPC_XDS_BOOTSTRAP file is involved.
 */
public final class ProxylessClients {

    private static final AtomicInteger SCHEMES = new AtomicInteger();
    private static final Map<String, XdsNameResolverProvider> PROVIDERS = new ConcurrentHashMap<>();

    private ProxylessClients() {
    }

    /**
     * A plaintext channel to {@code service} resolved through the ADS server at {@code adsHostPort}
     * (e.g. {@code localhost:18000}), identifying itself as {@code nodeId}. The first call needs
     * the xDS answers first: give it a deadline of 5 s or more, or waitForReady. Close the channel
     * with {@link #close(ManagedChannel)} or {@code shutdownNow()}.
     */
    public static ManagedChannel channel(String adsHostPort, String nodeId, String service) {
        Objects.requireNonNull(adsHostPort, "adsHostPort");
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(service, "service");
        XdsNameResolverProvider provider = PROVIDERS.computeIfAbsent(adsHostPort + "\n" + nodeId,
                key -> XdsNameResolverProvider.createForTest(
                        "fedmesh-xds-" + SCHEMES.incrementAndGet(), bootstrap(adsHostPort, nodeId)));
        return withResolver(Grpc.newChannelBuilder(
                        provider.getDefaultScheme() + ":///" + service, InsecureChannelCredentials.create()),
                provider)
                .build();
    }

    /**
     * A channel to {@code service} configured by {@code bootstrap} alone (its ADS server, node and
     * certificate providers), whose transport security is what the xDS resources say: mutual TLS
     * where a cluster carries an UpstreamTlsContext, plaintext elsewhere. Channels with an equal
     * bootstrap share one xDS client, as in one workload.
     */
    public static ManagedChannel secureChannel(Map<String, ?> bootstrap, String service) {
        Objects.requireNonNull(bootstrap, "bootstrap");
        Objects.requireNonNull(service, "service");
        XdsNameResolverProvider provider = PROVIDERS.computeIfAbsent(bootstrap.toString(),
                key -> XdsNameResolverProvider.createForTest("fedmesh-xds-" + SCHEMES.incrementAndGet(), bootstrap));
        return withResolver(Grpc.newChannelBuilder(provider.getDefaultScheme() + ":///" + service,
                        XdsChannelCredentials.create(InsecureChannelCredentials.create())),
                provider)
                .build();
    }

    /** Shuts the channel down and waits up to 5 s for it to terminate. */
    public static void close(ManagedChannel channel) {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The xDS bootstrap (as grpc's bootstrap JSON would give it) for one ADS server and node. */
    static Map<String, ?> bootstrap(String adsHostPort, String nodeId) {
        return Map.of(
                "xds_servers", List.of(Map.of(
                        "server_uri", adsHostPort,
                        "channel_creds", List.of(Map.of("type", "insecure")),
                        "server_features", List.of("xds_v3"))),
                "node", Map.of("id", nodeId));
    }

    // The per-channel resolver factory is the one way to give a channel its own resolver without
    // registering it JVM-wide; grpc-java marks it deprecated but keeps it supported.
    @SuppressWarnings("deprecation")
    private static io.grpc.ManagedChannelBuilder<?> withResolver(
            io.grpc.ManagedChannelBuilder<?> builder, XdsNameResolverProvider provider) {
        return builder.nameResolverFactory(provider);
    }
}

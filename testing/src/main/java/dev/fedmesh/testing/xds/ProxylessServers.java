package dev.fedmesh.testing.xds;

import io.grpc.BindableService;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.xds.XdsServerBuilder;
import io.grpc.xds.XdsServerCredentials;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Proxyless gRPC servers of a mesh: {@code XdsServerBuilder} servers that take their Listener
 * (filter chain, mTLS, RBAC) from the ADS server and certificate providers of a given bootstrap,
 * as a workload in a cluster would. No system property or bootstrap file is involved.
 *
 * <p>grpc-java gives every xDS server of a JVM one shared xDS client, made from the bootstrap of
 * the first server started; run one such server at a time per JVM.
 */
public final class ProxylessServers {

    private ProxylessServers() {
    }

    /**
     * Starts a server on {@code port} of every interface serving {@code services}; returns once the
     * agent has served its Listener ({@code start()} waits for it). Its transport security is what
     * the Listener says: mutual TLS where the filter chain carries a DownstreamTlsContext, plaintext
     * elsewhere.
     */
    public static Server start(Map<String, ?> bootstrap, int port, BindableService... services) {
        Objects.requireNonNull(bootstrap, "bootstrap");
        XdsServerBuilder builder = XdsServerBuilder.forPort(port, XdsServerCredentials.create(InsecureServerCredentials.create()))
                .overrideBootstrapForTest(bootstrap);
        for (BindableService service : services) {
            builder.addService(service);
        }
        Server server = builder.build();
        try {
            return server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start an xDS server on port " + port + ": " + e.getMessage(), e);
        }
    }

    /** Shuts the server down and waits up to 5 s for it to terminate. */
    public static void stop(Server server) {
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

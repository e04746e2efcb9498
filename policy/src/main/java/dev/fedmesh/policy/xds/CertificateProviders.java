package dev.fedmesh.policy.xds;

import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateProviderPluginInstance;

/**
 * The certificate provider instance the TLS contexts of our xDS resources refer to, by a fixed
 * name every workload's bootstrap defines: for proxyless gRPC a {@code file_watcher} provider
 * reading the workload's SVID, its private key and the tenant's trust bundle from the files the
 * cluster's agent writes.
 */
public final class CertificateProviders {

    /**
     * The instance holding the workload's own certificate and key and the roots it validates peers
     * against; one instance serves both, so a rotation of all three is seen together.
     */
    public static final String WORKLOAD = "fedmesh-workload";

    /** The certificate name within the instance; file_watcher providers hold one, named by convention. */
    public static final String DEFAULT_CERTIFICATE = "default";

    private CertificateProviders() {
    }

    public static CertificateProviderPluginInstance workload() {
        return CertificateProviderPluginInstance.newBuilder()
                .setInstanceName(WORKLOAD)
                .setCertificateName(DEFAULT_CERTIFICATE)
                .build();
    }
}

package dev.fedmesh.agent.xds;

import dev.fedmesh.agent.identity.WorkloadCertificateFiles;
import dev.fedmesh.policy.xds.CertificateProviders;
import dev.fedmesh.policy.xds.ServerListeners;
import java.util.List;
import java.util.Map;

/**
 * The xDS bootstrap (grpc's bootstrap JSON, as a map) of a proxyless gRPC workload of this cluster:
 * the agent's ADS server, the workload's node id, the {@code file_watcher} certificate provider
 * that the TLS contexts of the agent's resources name ({@link CertificateProviders#WORKLOAD}),
 * reading the files the agent writes for the workload, and the server listener name template the
 * agent's server Listeners are named by. Clients and {@code XdsServerBuilder} servers both use it.
 */
public final class ProxylessBootstrap {

    /** How often a workload's gRPC looks at its certificate files for a rotation. */
    public static final String REFRESH_INTERVAL = "5s";

    private ProxylessBootstrap() {
    }

    public static Map<String, ?> of(String adsHostPort, String nodeId, WorkloadCertificateFiles files) {
        return Map.of(
                "xds_servers", List.of(Map.of(
                        "server_uri", adsHostPort,
                        "channel_creds", List.of(Map.of("type", "insecure")),
                        "server_features", List.of("xds_v3"))),
                "node", Map.of("id", nodeId),
                "certificate_providers", Map.of(CertificateProviders.WORKLOAD, Map.of(
                        "plugin_name", "file_watcher",
                        "config", Map.of(
                                "certificate_file", files.certificateFile().toString(),
                                "private_key_file", files.privateKeyFile().toString(),
                                "ca_certificate_file", files.trustBundleFile().toString(),
                                "refresh_interval", REFRESH_INTERVAL))),
                "server_listener_resource_name_template", ServerListeners.NAME_TEMPLATE);
    }
}

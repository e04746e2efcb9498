package dev.fedmesh.agent;

import static dev.fedmesh.agent.Configs.SERVICE;
import static dev.fedmesh.agent.Configs.greeterSplit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.fedmesh.agent.xds.XdsServerTls;
import dev.fedmesh.api.v1.ProxyStatus;
import dev.fedmesh.testing.TestResources;
import dev.fedmesh.testing.xds.ProxylessClients;
import dev.fedmesh.trust.signing.ConfigSigningKey;
import dev.fedmesh.trust.signing.ConfigVerifier;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who can reach the agent's xDS port: by default only this machine (loopback); when it listens on
 * every interface, only proxies presenting a certificate of the client CA, tried with real grpc-java
 * xDS clients whose bootstrap carries their certificate (gRFC A65 {@code "tls"} channel credentials).
 */
class XdsListenerTest {

    private static final String TENANT = "acme";
    private static final String CLUSTER = "east";

    @TempDir
    Path dir;

    @AutoClose
    private final TestResources resources = new TestResources();

    @Test
    void byDefaultTheAgentServesXdsToThisMachineOnly() throws Exception {
        ClusterAgent agent = start(settings().build());
        ManagedChannel channel = ProxylessClients.channel("127.0.0.1:" + agent.xdsPort(), "frontend-1", SERVICE);
        resources.add(() -> ProxylessClients.close(channel));
        assertThat(new Traffic(channel).call()).isEqualTo("v1");

        Optional<InetAddress> elsewhere = nonLoopbackAddress();
        assumeTrue(elsewhere.isPresent(), "this machine has no non-loopback IPv4 address, so whether the default"
                + " listener is reachable from another one cannot be tried here");
        assertThatThrownBy(() -> {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(elsewhere.get(), agent.xdsPort()), 5_000);
            }
        }).as("a connection to the xDS port on %s", elsewhere.get()).isInstanceOf(ConnectException.class);
    }

    @Test
    void onEveryInterfaceTheAgentServesOnlyProxiesWithACertificateOfTheClientCa() throws Exception {
        Optional<InetAddress> elsewhere = nonLoopbackAddress();
        InetAddress address = elsewhere.orElse(InetAddress.getLoopbackAddress());
        List<InetAddress> serverAddresses = new ArrayList<>(List.of(InetAddress.getLoopbackAddress()));
        elsewhere.ifPresent(serverAddresses::add);
        XdsTlsPki serverCa = XdsTlsPki.ca("server-ca", dir.resolve("pki"));
        XdsTlsPki proxyCa = XdsTlsPki.ca("proxy-ca", dir.resolve("pki"));
        XdsTlsPki strangerCa = XdsTlsPki.ca("stranger-ca", dir.resolve("pki"));
        XdsServerTls tls = proxyCa.serverTls(serverCa.server(serverAddresses));

        ClusterAgent agent = start(settings().xdsHost("0.0.0.0").xdsTls(tls).build());
        String target = address.getHostAddress() + ":" + agent.xdsPort();

        XdsTlsPki.Leaf frontend = proxyCa.client("frontend-1");
        ManagedChannel channel = ProxylessClients.secureChannel(bootstrap(target, "frontend-1",
                Map.of("ca_certificate_file", serverCa.certificateFile().toString(),
                        "certificate_file", frontend.certificateFile().toString(),
                        "private_key_file", frontend.privateKeyFile().toString())), SERVICE);
        resources.add(() -> ProxylessClients.close(channel));
        assertThat(new Traffic(channel).call()).as("a call routed by what frontend-1 got over xDS").isEqualTo("v1");
        assertThat(agent.proxies()).extracting(ProxyStatus::getNodeId).contains("frontend-1");

        XdsTlsPki.Leaf stranger = strangerCa.client("intruder-1");
        assertRefused(target, "no-certificate-1", TlsChannelCredentials.newBuilder()
                .trustManager(serverCa.certificateFile().toFile()).build());
        assertRefused(target, "intruder-1", TlsChannelCredentials.newBuilder()
                .trustManager(serverCa.certificateFile().toFile())
                .keyManager(stranger.certificateFile().toFile(), stranger.privateKeyFile().toFile()).build());
        assertRefused(target, "plaintext-1", InsecureChannelCredentials.create());
        assertThat(agent.proxies()).extracting(ProxyStatus::getNodeId)
                .doesNotContain("no-certificate-1", "intruder-1", "plaintext-1");
    }

    /** An ADS stream with {@code credentials} gets no response and fails UNAVAILABLE (its handshake refused). */
    private static void assertRefused(String target, String node, ChannelCredentials credentials) throws Exception {
        ManagedChannel channel = Grpc.newChannelBuilder(target, credentials).build();
        try {
            CompletableFuture<Status> outcome = new CompletableFuture<>();
            StreamObserver<DiscoveryRequest> stream = AggregatedDiscoveryServiceGrpc.newStub(channel)
                    .streamAggregatedResources(new StreamObserver<>() {
                        @Override
                        public void onNext(DiscoveryResponse response) {
                            outcome.complete(Status.OK.withDescription("got " + response.getTypeUrl()));
                        }

                        @Override
                        public void onError(Throwable t) {
                            outcome.complete(Status.fromThrowable(t));
                        }

                        @Override
                        public void onCompleted() {
                            outcome.complete(Status.OK.withDescription("stream completed"));
                        }
                    });
            stream.onNext(DiscoveryRequest.newBuilder()
                    .setNode(Node.newBuilder().setId(node))
                    .setTypeUrl("type.googleapis.com/envoy.config.listener.v3.Listener")
                    .addResourceNames(SERVICE)
                    .build());
            Status status = outcome.get(30, TimeUnit.SECONDS);
            assertThat(status.getCode()).as("%s's ADS stream: %s", node, status).isEqualTo(Status.Code.UNAVAILABLE);
        } finally {
            ProxylessClients.close(channel);
        }
    }

    private static Map<String, ?> bootstrap(String target, String node, Map<String, String> tlsFiles) {
        return Map.of(
                "xds_servers", List.of(Map.of(
                        "server_uri", target,
                        "channel_creds", List.of(Map.of("type", "tls", "config", tlsFiles)),
                        "server_features", List.of("xds_v3"))),
                "node", Map.of("id", node));
    }

    private ClusterAgent start(AgentSettings settings) throws Exception {
        ClusterAgent agent = resources.add(ClusterAgent.start(settings));
        Backend v1 = resources.add(Backend.start("v1"));
        agent.inventory().register(v1.endpoint(SERVICE, Map.of("version", "v1")));
        assertThat(agent.offer(greeterSplit(TENANT, CLUSTER, 1, 100, 0))).isTrue();
        return agent;
    }

    private AgentSettings.Builder settings() throws IOException {
        return AgentSettings.builder(TENANT, CLUSTER)
                .kafkaBootstrapServers("127.0.0.1:" + closedPort())
                .configVerifier(ConfigVerifier.trusting(ConfigSigningKey.generate().publicKey()))
                .xdsPort(0)
                .stateDirectory(dir.resolve("state"));
    }

    /** An IPv4 address of this machine other than loopback, if it has one. */
    private static Optional<InetAddress> nonLoopbackAddress() throws SocketException {
        for (NetworkInterface network : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!network.isUp() || network.isLoopback()) {
                continue;
            }
            for (InetAddress address : Collections.list(network.getInetAddresses())) {
                if (address instanceof Inet4Address && !address.isLoopbackAddress() && !address.isLinkLocalAddress()) {
                    return Optional.of(address);
                }
            }
        }
        return Optional.empty();
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}

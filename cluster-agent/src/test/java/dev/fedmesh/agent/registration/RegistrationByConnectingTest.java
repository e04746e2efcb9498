package dev.fedmesh.agent.registration;

import static dev.fedmesh.agent.registration.GreeterAgent.SERVICE;
import static dev.fedmesh.agent.registration.GreeterAgent.answering;
import static dev.fedmesh.agent.registration.GreeterAgent.await;
import static dev.fedmesh.agent.registration.GreeterAgent.bootstrap;
import static dev.fedmesh.agent.registration.GreeterAgent.call;
import static dev.fedmesh.agent.registration.GreeterAgent.greeterMetadata;
import static dev.fedmesh.agent.registration.GreeterAgent.settings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;
import com.google.protobuf.Value;
import dev.fedmesh.agent.ClusterAgent;
import dev.fedmesh.agent.XdsTlsPki;
import dev.fedmesh.agent.inventory.EndpointSource;
import dev.fedmesh.agent.inventory.LocalEndpoint;
import dev.fedmesh.api.v1.EndpointDataPlane;
import dev.fedmesh.api.v1.EndpointHealth;
import dev.fedmesh.api.v1.InventoryEndpoint;
import dev.fedmesh.api.v1.ProxyStatus;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.testing.FreePort;
import dev.fedmesh.testing.TestResources;
import dev.fedmesh.testing.xds.ProxylessClients;
import dev.fedmesh.testing.xds.ProxylessServers;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.StreamObserver;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Workloads join their cluster's inventory by opening an ADS stream to its agent with their service,
 * port, labels and service account in their node metadata, and leave when their last stream closes:
 * tried with a real grpc-java {@code XdsServerBuilder} server and client, and with raw ADS streams
 * where the test needs to hold each stream in hand.
 */
class RegistrationByConnectingTest {

    @TempDir
    Path dir;

    @AutoClose
    private final TestResources resources = new TestResources();

    @Test
    void aProxylessServerJoinsTheInventoryWhenItConnectsServesCallersAndLeavesWhenItShutsDown() throws Exception {
        int xdsPort = FreePort.find();
        ClusterAgent agent = resources.add(GreeterAgent.start(settings(dir, xdsPort).build()));
        int port = FreePort.find();

        // start() returns once the agent serves the server's Listener, which it builds for inventory endpoints only.
        Server server = ProxylessServers.start(bootstrap(xdsPort, "greeter-1", greeterMetadata(port, "v1")), port,
                answering("greeter-1"));
        resources.add(() -> ProxylessServers.stop(server));

        ServiceEndpoint endpoint = new ServiceEndpoint(SERVICE, "127.0.0.1", port, Map.of("version", "v1"));
        assertThat(agent.inventory().entries()).containsExactly(new LocalEndpoint(endpoint,
                Set.of(EndpointSource.CONNECTED), "greeter", EndpointHealth.ENDPOINT_HEALTH_HEALTHY));
        ManagedChannel channel = ProxylessClients.channel("127.0.0.1:" + xdsPort, "frontend-1", SERVICE);
        resources.add(() -> ProxylessClients.close(channel));
        assertThat(call(channel)).isEqualTo("greeter-1");
        assertThat(agent.inventory().endpoints()).as("a client announces no service, so registers nothing")
                .containsExactly(endpoint);

        GreeterAgent.stop(server);

        await("the stopped server's endpoint to leave the inventory", () -> agent.inventory().endpoints().isEmpty());
    }

    @Test
    void aConnectingProxylessServersEndpointIsPublishedAsServedByProxylessGrpc() throws Exception {
        int xdsPort = FreePort.find();
        ClusterAgent agent = resources.add(GreeterAgent.start(settings(dir, xdsPort).build()));
        int port = FreePort.find();

        Server server = ProxylessServers.start(bootstrap(xdsPort, "greeter-3", greeterMetadata(port, "v1")), port,
                answering("greeter-3"));
        resources.add(() -> ProxylessServers.stop(server));

        assertThat(publishedEndpoints(agent)).singleElement().satisfies(endpoint -> {
            assertThat(endpoint.getPort()).isEqualTo(port);
            assertThat(endpoint.getDataPlane()).isEqualTo(EndpointDataPlane.ENDPOINT_DATA_PLANE_PROXYLESS_GRPC);
        });
    }

    @Test
    void anEnvoysEndpointIsPublishedAsServedByAnEnvoySidecarAndAStaticOneByNoProxy() throws Exception {
        int xdsPort = FreePort.find();
        ClusterAgent agent = resources.add(GreeterAgent.start(settings(dir, xdsPort).build()));
        Node envoy = node("sidecar-1", metadata(Map.of(ConnectedWorkloads.SERVICE, str(SERVICE),
                ConnectedWorkloads.PORT, num(9001), ConnectedWorkloads.HOST, str("10.0.0.11")))).toBuilder()
                .setUserAgentName("envoy").build();
        agent.inventory().register(new ServiceEndpoint(SERVICE, "10.0.0.12", 9002, Map.of()));

        AdsStream stream = resources.add(AdsStream.open(xdsPort, envoy));

        assertThat(publishedEndpoints(agent)).extracting(InventoryEndpoint::getHost, InventoryEndpoint::getDataPlane)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("10.0.0.11", EndpointDataPlane.ENDPOINT_DATA_PLANE_ENVOY_SIDECAR),
                        org.assertj.core.groups.Tuple.tuple("10.0.0.12", EndpointDataPlane.ENDPOINT_DATA_PLANE_UNKNOWN));
        stream.close();
        await("the Envoy's endpoint to leave with its stream", () -> publishedEndpoints(agent).size() == 1);
    }

    @Test
    void aServerAndAClientOfOneWorkloadAreOneEndpoint() throws Exception {
        int xdsPort = FreePort.find();
        ClusterAgent agent = resources.add(GreeterAgent.start(settings(dir, xdsPort).build()));
        int port = FreePort.find();
        Map<String, ?> bootstrap = bootstrap(xdsPort, "greeter-2", greeterMetadata(port, "v2"));
        Server server = ProxylessServers.start(bootstrap, port, answering("greeter-2"));
        resources.add(() -> ProxylessServers.stop(server));

        // The workload calls its own service: a second ADS stream (the client's) with the same node.
        ManagedChannel channel = ProxylessClients.secureChannel(bootstrap, SERVICE);
        resources.add(() -> ProxylessClients.close(channel));
        assertThat(call(channel)).isEqualTo("greeter-2");

        assertThat(agent.inventory().endpoints())
                .containsExactly(new ServiceEndpoint(SERVICE, "127.0.0.1", port, Map.of("version", "v2")));
    }

    @Test
    void twoStreamsOfOneNodeAreOneEndpointThatStaysUntilTheLastOfThemCloses() throws Exception {
        int xdsPort = FreePort.find();
        ClusterAgent agent = resources.add(GreeterAgent.start(settings(dir, xdsPort).build()));
        Node node = node("vm-1", metadata(Map.of(ConnectedWorkloads.SERVICE, str(SERVICE),
                ConnectedWorkloads.PORT, num(9000), ConnectedWorkloads.HOST, str("10.0.0.9"))));
        ServiceEndpoint endpoint = new ServiceEndpoint(SERVICE, "10.0.0.9", 9000, Map.of());

        AdsStream first = resources.add(AdsStream.open(xdsPort, node));
        Timestamp firstOpened = connectedAt(agent, "vm-1");
        AdsStream second = resources.add(AdsStream.open(xdsPort, node));
        await("the second stream in the status", () -> !connectedAt(agent, "vm-1").equals(firstOpened));

        assertThat(agent.inventory().endpoints()).containsExactly(endpoint);
        second.close();
        // The status shows a node by its newest stream: the first again, once the second's close was handled.
        await("the second stream's close", () -> connectedAt(agent, "vm-1").equals(firstOpened));
        assertThat(agent.inventory().endpoints()).as("one stream still announces it").containsExactly(endpoint);

        first.close();
        await("the endpoint to leave with its last stream", () -> agent.inventory().endpoints().isEmpty());
    }

    @Test
    void metadataThatCannotBeTakenIsLoggedOnceNamingTheFieldAndTheStreamIsServedAsAnyOther() throws Exception {
        ListAppender<ILoggingEvent> log = capture();
        int xdsPort = FreePort.find();
        ClusterAgent agent = resources.add(GreeterAgent.start(settings(dir, xdsPort).build()));
        Node badPort = node("greeter-bad-port", metadata(Map.of(ConnectedWorkloads.SERVICE, str(SERVICE),
                ConnectedWorkloads.PORT, num(70000))));
        Node badName = node("greeter-bad-name", metadata(Map.of(ConnectedWorkloads.SERVICE, str("Greeter_2"),
                ConnectedWorkloads.PORT, num(8080))));

        // Each stream gets its resources: open() waits for the first response.
        resources.add(AdsStream.open(xdsPort, badPort));
        resources.add(AdsStream.open(xdsPort, badPort));
        resources.add(AdsStream.open(xdsPort, badName));

        assertThat(agent.inventory().endpoints()).isEmpty();
        List<String> warnings = log.list.stream().filter(event -> event.getLevel() == Level.WARN)
                .map(ILoggingEvent::getFormattedMessage).toList();
        assertThat(warnings).hasSize(2);
        assertThat(warnings.get(0)).contains("greeter-bad-port", "fedmesh.port", "70000", "1..65535");
        assertThat(warnings.get(1)).contains("greeter-bad-name", "fedmesh.service", "Greeter_2", "lowercase");
    }

    /**
     * Over mutual TLS, a workload whose client certificate names its SPIFFE id announces only the
     * service of that id: a certificate of frontend cannot put an endpoint in greeter's name, and the
     * refusal is logged naming both.
     */
    @Test
    void aWorkloadWhoseCertificateNamesItsIdentityAnnouncesOnlyThatIdentitysService() throws Exception {
        ListAppender<ILoggingEvent> log = capture();
        XdsTlsPki serverCa = XdsTlsPki.ca("server-ca", dir.resolve("pki"));
        XdsTlsPki workloadCa = XdsTlsPki.ca("workload-ca", dir.resolve("pki"));
        int xdsPort = FreePort.find();
        ClusterAgent agent = resources.add(GreeterAgent.start(settings(dir, xdsPort)
                .xdsTls(workloadCa.serverTls(serverCa.server(List.of(InetAddress.getLoopbackAddress())))).build()));
        XdsTlsPki.Leaf frontend = workloadCa.client("frontend-1", URI.create("spiffe://acme.fedmesh.dev/ns/default/sa/frontend"));
        ChannelCredentials asFrontend = TlsChannelCredentials.newBuilder()
                .trustManager(serverCa.certificateFile().toFile())
                .keyManager(frontend.certificateFile().toFile(), frontend.privateKeyFile().toFile())
                .build();

        resources.add(AdsStream.open(xdsPort, asFrontend, node("impostor-1", metadata(Map.of(
                ConnectedWorkloads.SERVICE, str(SERVICE), ConnectedWorkloads.PORT, num(7001))))));
        resources.add(AdsStream.open(xdsPort, asFrontend, node("frontend-other-namespace", metadata(Map.of(
                ConnectedWorkloads.SERVICE, str("frontend"), ConnectedWorkloads.PORT, num(7003),
                ConnectedWorkloads.LABELS, Value.newBuilder().setStructValue(metadata(Map.of(
                        "fedmesh.dev/namespace", str("billing")))).build())))));
        resources.add(AdsStream.open(xdsPort, asFrontend, node("frontend-1", metadata(Map.of(
                ConnectedWorkloads.SERVICE, str("frontend"), ConnectedWorkloads.PORT, num(7002))))));

        await("frontend's own endpoint to join the inventory", () -> !agent.inventory().endpoints().isEmpty());
        assertThat(agent.inventory().endpoints()).extracting(ServiceEndpoint::service, ServiceEndpoint::port)
                .containsExactly(tuple("frontend", 7002));
        List<String> warnings = log.list.stream().filter(event -> event.getLevel() == Level.WARN)
                .map(ILoggingEvent::getFormattedMessage).toList();
        assertThat(warnings).hasSize(2);
        assertThat(warnings.get(0)).contains("impostor-1", "spiffe://acme.fedmesh.dev/ns/default/sa/frontend",
                "'greeter'", "/ns/default/sa/greeter");
        assertThat(warnings.get(1)).contains("frontend-other-namespace", "'billing'", "/ns/billing/sa/frontend");
    }

    /** The greeter's endpoints in the inventory the agent publishes to the other clusters and the control plane. */
    private static List<InventoryEndpoint> publishedEndpoints(ClusterAgent agent) {
        return agent.inventory().snapshot(agent.settings().tenant(), agent.settings().cluster()).getServicesList().stream()
                .filter(service -> service.getName().equals(SERVICE))
                .flatMap(service -> service.getEndpointsList().stream())
                .toList();
    }

    private ListAppender<ILoggingEvent> capture() {
        Logger logger = (Logger) LoggerFactory.getLogger(ConnectedWorkloads.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        resources.add(() -> logger.detachAppender(appender));
        return appender;
    }

    private static Timestamp connectedAt(ClusterAgent agent, String node) {
        return agent.proxies().stream().filter(proxy -> proxy.getNodeId().equals(node)).findFirst()
                .map(ProxyStatus::getConnectedAt).orElse(Timestamp.getDefaultInstance());
    }

    private static Node node(String id, Struct metadata) {
        return Node.newBuilder().setId(id).setMetadata(metadata).build();
    }

    private static Struct metadata(Map<String, Value> fields) {
        return Struct.newBuilder().putAllFields(fields).build();
    }

    private static Value str(String text) {
        return Value.newBuilder().setStringValue(text).build();
    }

    private static Value num(double number) {
        return Value.newBuilder().setNumberValue(number).build();
    }

    /** One raw ADS stream asking for the greeter's Listener, as a node of the test's choosing. */
    static final class AdsStream implements AutoCloseable {

        private final ManagedChannel channel;
        private final StreamObserver<DiscoveryRequest> requests;
        private boolean closed;

        private AdsStream(ManagedChannel channel, StreamObserver<DiscoveryRequest> requests) {
            this.channel = channel;
            this.requests = requests;
        }

        /** Opens the stream and waits for the agent's first response. */
        static AdsStream open(int xdsPort, Node node) throws InterruptedException {
            return open(xdsPort, InsecureChannelCredentials.create(), node);
        }

        /** Opens the stream with {@code credentials} and waits for the agent's first response. */
        static AdsStream open(int xdsPort, ChannelCredentials credentials, Node node) throws InterruptedException {
            ManagedChannel channel = Grpc.newChannelBuilder("127.0.0.1:" + xdsPort, credentials).build();
            BlockingQueue<DiscoveryResponse> responses = new LinkedBlockingQueue<>();
            StreamObserver<DiscoveryRequest> requests = AggregatedDiscoveryServiceGrpc.newStub(channel)
                    .streamAggregatedResources(new StreamObserver<>() {
                        @Override
                        public void onNext(DiscoveryResponse response) {
                            responses.add(response);
                        }

                        @Override
                        public void onError(Throwable error) {
                        }

                        @Override
                        public void onCompleted() {
                        }
                    });
            requests.onNext(DiscoveryRequest.newBuilder()
                    .setNode(node)
                    .setTypeUrl(Resources.V3.LISTENER_TYPE_URL)
                    .addResourceNames(SERVICE)
                    .build());
            DiscoveryResponse response = responses.poll(GreeterAgent.PATIENCE.toSeconds(), TimeUnit.SECONDS);
            assertThat(Optional.ofNullable(response)).as("a response to node %s", node.getId()).isPresent();
            return new AdsStream(channel, requests);
        }

        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            requests.onCompleted();
            channel.shutdown();
        }
    }
}

package dev.fedmesh.agent.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.Gson;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import dev.fedmesh.agent.AgentSettings;
import dev.fedmesh.agent.ClusterAgent;
import dev.fedmesh.agent.ControlPlaneTopics;
import dev.fedmesh.api.v1.ClusterPeer;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.MeshTrust;
import dev.fedmesh.api.v1.MtlsModeSpec;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.api.v1.ProxyStatus;
import dev.fedmesh.api.v1.ProxySyncState;
import dev.fedmesh.api.v1.Service;
import dev.fedmesh.api.v1.ServiceSubset;
import dev.fedmesh.api.v1.Target;
import dev.fedmesh.api.v1.TrafficRouteSpec;
import dev.fedmesh.api.v1.WeightedSubset;
import dev.fedmesh.policy.xds.EastWestGateway;
import dev.fedmesh.policy.xds.EndpointSubset;
import dev.fedmesh.policy.xds.EnvoyConstraints;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.testing.TestKafka;
import dev.fedmesh.testing.TestResources;
import dev.fedmesh.trust.signing.ConfigSigningKey;
import dev.fedmesh.trust.signing.ConfigVerifier;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * The cluster's east-west gateway as its Envoy sees it: a real ADS stream to a running agent that
 * applied, from the real Kafka broker, a config giving its own cluster a gateway and a STRICT service
 * with local endpoints. The gateway is served its SNI-passthrough listener and nothing of the
 * sidecars', no sidecar is served the gateway's, and the gateway's endpoints follow the inventory.
 */
class EastWestGatewayOverAdsTest {

    private static final String TENANT = "acme";
    private static final String CLUSTER = "east";
    private static final String SERVICE = "greeter";
    private static final String PLAINTEXT_SERVICE = "ledger";
    private static final int GATEWAY_PORT = 15443;
    // Generous: an agent applies its config and answers a stream within a second or two.
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final ConfigSigningKey CONTROL_PLANE = ConfigSigningKey.generate();
    private static final String V1 = EndpointSubset.of(SERVICE, Map.of("version", "v1")).sniName();
    private static final String V2 = EndpointSubset.of(SERVICE, Map.of("version", "v2")).sniName();
    private static final String LISTENERS = Resources.V3.LISTENER_TYPE_URL;
    private static final String CLUSTERS = Resources.V3.CLUSTER_TYPE_URL;
    private static final String ENDPOINTS = Resources.V3.ENDPOINT_TYPE_URL;

    private static ControlPlaneTopics topics;

    @TempDir
    Path stateDir;

    private final TestResources resources = new TestResources();
    private ClusterAgent agent;

    @BeforeAll
    static void publishTheConfig() throws Exception {
        topics = ControlPlaneTopics.open(TestKafka.topicPrefix(EastWestGatewayOverAdsTest.class), TENANT,
                CONTROL_PLANE, PATIENCE);
        topics.createTopics();
        topics.publish(config());
    }

    @AfterAll
    static void closeTopics() {
        topics.close();
    }

    @BeforeEach
    void startTheAgent() throws Exception {
        agent = resources.add(ClusterAgent.start(AgentSettings.builder(TENANT, CLUSTER)
                .kafkaBootstrapServers(TestKafka.broker().bootstrapServers())
                .configVerifier(ConfigVerifier.trusting(CONTROL_PLANE.publicKey()))
                .topicPrefix(TestKafka.topicPrefix(getClass()))
                .xdsPort(0)
                .stateDirectory(stateDir)
                .build()));
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (agent.appliedRevision() < 1) {
            assertThat(System.nanoTime()).as("the agent applies revision 1 from Kafka").isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    @AfterEach
    void stopEverything() throws Exception {
        resources.close();
    }

    @Test
    void theGatewayGetsExactlyItsSniPassthroughListenerAndTheLocalEndpointsBehindIt() throws Exception {
        ServiceEndpoint v1 = register(SERVICE, "v1");
        ServiceEndpoint v2 = register(SERVICE, "v2");
        register(PLAINTEXT_SERVICE, "v1");

        EnvoyStream gateway = open(gatewayNode("east-west-gateway-0"));
        gateway.await("the gateway's listener, clusters and both subsets' endpoints", envoy ->
                envoy.endpoints().keySet().equals(Set.of(gatewayCluster(V1), gatewayCluster(V2)))
                        && addresses(envoy, V1).equals(List.of(address(v1)))
                        && addresses(envoy, V2).equals(List.of(address(v2))));

        assertThat(gateway.listeners()).extracting(Listener::getName).containsExactly(EastWestGateway.LISTENER);
        Listener listener = gateway.listeners().get(0);
        assertThat(listener.getAddress().getSocketAddress().getAddress()).isEqualTo("0.0.0.0");
        assertThat(listener.getAddress().getSocketAddress().getPortValue())
                .as("the port of the cluster's eastWestGateway").isEqualTo(GATEWAY_PORT);
        assertThat(listener.getListenerFiltersList()).extracting(filter -> filter.getName())
                .containsExactly(EastWestGateway.TLS_INSPECTOR);
        assertThat(listener.getFilterChainsList())
                .extracting(chain -> List.copyOf(chain.getFilterChainMatch().getServerNamesList()))
                .as("one chain per subset of the STRICT service; the plaintext ledger has no server name to route by")
                .containsExactlyInAnyOrder(List.of(V1), List.of(V2));
        for (FilterChain chain : listener.getFilterChainsList()) {
            String sni = chain.getFilterChainMatch().getServerNames(0);
            assertThat(chain.getFilterChainMatch().getTransportProtocol()).isEqualTo("tls");
            assertThat(chain.hasTransportSocket()).as("passthrough: %s is not terminated", sni).isFalse();
            assertThat(chain.getFiltersList()).extracting(filter -> filter.getName())
                    .containsExactly(EastWestGateway.TCP_PROXY);
            assertThat(chain.getFilters(0).getTypedConfig().unpack(TcpProxy.class).getCluster())
                    .isEqualTo(gatewayCluster(sni));
        }
        assertThat(gateway.clusters()).extracting(Cluster::getName)
                .as("the gateway's clusters and none of the sidecars' outbound ones")
                .containsExactlyInAnyOrder(gatewayCluster(V1), gatewayCluster(V2));
        assertThat(gateway.clusters()).noneMatch(Cluster::hasTransportSocket);
        assertThat(gateway.violations()).as("Envoy's constraints on what the gateway was served").isEmpty();
        assertThat(agent.inventory().endpoints()).as("the gateway registers itself as no workload").hasSize(3);
    }

    @Test
    void aSidecarIsServedTheMeshButNeverTheGatewaysListenerOrClusters() throws Exception {
        register(SERVICE, "v1");
        register(SERVICE, "v2");
        register(PLAINTEXT_SERVICE, "v1");

        EnvoyStream sidecar = open(Node.newBuilder().setId("frontend-0").setCluster("frontend").build());
        sidecar.await("the sidecar's listeners, clusters and endpoints", envoy ->
                !envoy.listeners().isEmpty() && !envoy.clusters().isEmpty()
                        && envoy.endpoints().keySet().containsAll(envoy.clusters().stream().map(Cluster::getName).toList()));

        assertThat(sidecar.listeners()).extracting(Listener::getName)
                .contains(SERVICE, PLAINTEXT_SERVICE)
                .doesNotContain(EastWestGateway.LISTENER);
        assertThat(sidecar.listeners())
                .as("no listener of a sidecar binds the gateway's port")
                .noneMatch(l -> l.getAddress().getSocketAddress().getPortValue() == GATEWAY_PORT);
        assertThat(sidecar.clusters()).extracting(Cluster::getName)
                .noneMatch(name -> name.startsWith("gateway|"));
        assertThat(sidecar.violations()).as("Envoy's constraints on what the sidecar was served").isEmpty();
    }

    @Test
    void theGatewaysEndpointsFollowTheLocalInventoryWithoutANewRevisionAndEachResponseIsAcked() throws Exception {
        ServiceEndpoint v1 = register(SERVICE, "v1");
        ServiceEndpoint v2 = register(SERVICE, "v2");
        String node = "east-west-gateway-0";
        EnvoyStream gateway = open(gatewayNode(node));
        gateway.await("both subsets' endpoints", envoy -> addresses(envoy, V1).equals(List.of(address(v1)))
                && addresses(envoy, V2).equals(List.of(address(v2))));
        String firstVersion = awaitSynced(node, gateway);
        int endpointResponses = gateway.responses(ENDPOINTS);

        ServiceEndpoint v2b = register(SERVICE, "v2");
        gateway.await("the new v2 endpoint behind the gateway", envoy ->
                addresses(envoy, V2).equals(sorted(address(v2), address(v2b))));
        String secondVersion = awaitSynced(node, gateway);
        assertThat(secondVersion).as("the endpoints' version advances").isNotEqualTo(firstVersion);
        assertThat(gateway.responses(ENDPOINTS)).as("a second endpoints response").isGreaterThan(endpointResponses);
        assertThat(addresses(gateway, V1)).containsExactly(address(v1));

        agent.inventory().deregister(v2);
        gateway.await("v2's first endpoint gone from behind the gateway", envoy ->
                addresses(envoy, V2).equals(List.of(address(v2b))));
        String thirdVersion = awaitSynced(node, gateway);
        assertThat(thirdVersion).isNotIn(firstVersion, secondVersion);
        assertThat(gateway.listeners()).extracting(Listener::getName).containsExactly(EastWestGateway.LISTENER);
        assertThat(gateway.violations()).isEmpty();
        assertThat(agent.appliedRevision()).as("no new config revision: the inventory alone changed").isEqualTo(1);
    }

    @Test
    void theBootstrapInTheDocsIsEnvoysAndItsNodeIsServedAsTheGateway() throws Exception {
        String page = Files.readString(Path.of("..", "docs", "federation.md"));
        String section = page.substring(page.indexOf("## Running the east-west gateway"), page.indexOf("## Preview"));
        int start = section.indexOf("```yaml\n") + "```yaml\n".length();
        String yaml = section.substring(start, section.indexOf("```\n", start));
        Object tree = new Yaml().load(yaml);
        Bootstrap.Builder parsed = Bootstrap.newBuilder();
        JsonFormat.parser().usingTypeRegistry(EnvoyConstraints.TYPES).merge(new Gson().toJson(tree), parsed);
        Bootstrap bootstrap = parsed.build();

        assertThat(EnvoyConstraints.violations(bootstrap)).as("Envoy's constraints on the documented bootstrap").isEmpty();
        assertThat(bootstrap.getNode().getMetadata().getFieldsOrThrow(ClusterAgent.ROLE_METADATA).getStringValue())
                .isEqualTo(ClusterAgent.EAST_WEST_GATEWAY_ROLE);
        assertThat(bootstrap.getDynamicResources().getLdsConfig().hasAds()).isTrue();
        assertThat(bootstrap.getDynamicResources().getCdsConfig().hasAds()).isTrue();
        String adsCluster = bootstrap.getDynamicResources().getAdsConfig().getGrpcServices(0).getEnvoyGrpc().getClusterName();
        Cluster xds = bootstrap.getStaticResources().getClustersList().stream()
                .filter(cluster -> cluster.getName().equals(adsCluster)).findFirst().orElseThrow();
        assertThat(xds.getLoadAssignment().getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress()
                .getSocketAddress().getPortValue()).as("the agent's default ADS port").isEqualTo(AgentSettings.DEFAULT_XDS_PORT);
        assertThat(xds.getTypedExtensionProtocolOptionsMap())
                .as("ADS is gRPC: HTTP/2 to the agent").containsKey("envoy.extensions.upstreams.http.v3.HttpProtocolOptions");

        ServiceEndpoint v1 = register(SERVICE, "v1");
        EnvoyStream gateway = open(bootstrap.getNode());
        gateway.await("the gateway's listener for the documented node", envoy ->
                addresses(envoy, V1).equals(List.of(address(v1))));
        assertThat(gateway.listeners()).extracting(Listener::getName).containsExactly(EastWestGateway.LISTENER);
    }

    /**
     * Revision 1 of cluster east: on a network of its own with a gateway at port 15443, a peer west on
     * another; greeter STRICT and split between v1 and v2, ledger in plaintext.
     */
    private static DesiredConfig config() {
        return DesiredConfig.newBuilder()
                .setTenant(TENANT)
                .setCluster(CLUSTER)
                .setRevision(1)
                .setTrust(MeshTrust.newBuilder().setTrustDomain("acme.fedmesh.dev"))
                .addPeers(ClusterPeer.newBuilder().setName(CLUSTER).setRegion("us-east1").setZone("us-east1-b")
                        .setNetwork("vpc-east").setEastWestGateway("gw.east.example.com:" + GATEWAY_PORT))
                .addPeers(ClusterPeer.newBuilder().setName("west").setRegion("us-west1").setZone("us-west1-b")
                        .setNetwork("vpc-west").setEastWestGateway("gw.west.example.com:" + GATEWAY_PORT))
                .addServices(Service.newBuilder().setName(SERVICE))
                .addServices(Service.newBuilder().setName(PLAINTEXT_SERVICE))
                .addPolicies(mtlsMode("mesh-mtls", Target.newBuilder().setMesh(true), MtlsModeSpec.Mode.MODE_STRICT))
                .addPolicies(mtlsMode("ledger-plaintext",
                        Target.newBuilder().setService(ServiceSubset.newBuilder().setService(PLAINTEXT_SERVICE)),
                        MtlsModeSpec.Mode.MODE_PERMISSIVE))
                .addPolicies(Policy.newBuilder()
                        .setKind("TrafficRoute")
                        .setName("greeter-canary")
                        .setTarget(Target.newBuilder().setService(ServiceSubset.newBuilder().setService(SERVICE)))
                        .setTrafficRoute(TrafficRouteSpec.newBuilder()
                                .addSplit(WeightedSubset.newBuilder().putLabels("version", "v1").setWeight(90))
                                .addSplit(WeightedSubset.newBuilder().putLabels("version", "v2").setWeight(10))))
                .build();
    }

    private static Policy mtlsMode(String name, Target.Builder target, MtlsModeSpec.Mode mode) {
        return Policy.newBuilder()
                .setKind("MtlsMode")
                .setName(name)
                .setTarget(target)
                .setMtlsMode(MtlsModeSpec.newBuilder().setMode(mode))
                .build();
    }

    private static Node gatewayNode(String id) {
        return Node.newBuilder()
                .setId(id)
                .setCluster("east-west-gateway")
                .setMetadata(Struct.newBuilder().putFields(ClusterAgent.ROLE_METADATA,
                        Value.newBuilder().setStringValue(ClusterAgent.EAST_WEST_GATEWAY_ROLE).build()))
                .build();
    }

    /**
     * A local endpoint of {@code service} with label version={@code version}, registered with the
     * agent: a real listening server, so the agent's probes keep it healthy.
     */
    private ServiceEndpoint register(String service, String version) throws IOException {
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).build().start();
        resources.add(() -> {
            server.shutdownNow();
            server.awaitTermination(5, TimeUnit.SECONDS);
        });
        ServiceEndpoint endpoint = new ServiceEndpoint(service, "127.0.0.1", server.getPort(), Map.of("version", version));
        assertThat(agent.inventory().register(endpoint)).isTrue();
        return endpoint;
    }

    private EnvoyStream open(Node node) {
        return resources.add(EnvoyStream.open("localhost:" + agent.xdsPort(), node));
    }

    /**
     * Waits until the agent's status shows {@code node} SYNCED, having ACKed the version of every type
     * it asked for that the agent serves now, and the stream holds that version of the endpoints;
     * returns it.
     */
    private String awaitSynced(String node, EnvoyStream stream) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            ProxyStatus status = agent.proxies().stream().filter(proxy -> proxy.getNodeId().equals(node))
                    .findFirst().orElse(null);
            String held = stream.version(ENDPOINTS);
            if (status != null && status.getState() == ProxySyncState.SYNCED && status.getTypesList().stream()
                    .anyMatch(type -> type.getTypeUrl().equals(ENDPOINTS) && type.getAckedVersion().equals(held))) {
                assertThat(status.getTypesList()).extracting(type -> type.getTypeUrl())
                        .containsExactlyInAnyOrder(LISTENERS, CLUSTERS, ENDPOINTS);
                return held;
            }
            assertThat(System.nanoTime()).as("%s SYNCED with the served snapshot (its status: %s)", node, status)
                    .isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    private static String gatewayCluster(String sni) {
        return "gateway|" + sni;
    }

    private static String address(ServiceEndpoint endpoint) {
        return endpoint.host() + ":" + endpoint.port();
    }

    private static List<String> sorted(String... addresses) {
        return Arrays.stream(addresses).sorted().toList();
    }

    /** The addresses the stream holds behind the gateway's cluster of {@code sni}, sorted; empty when it holds none. */
    private static List<String> addresses(EnvoyStream stream, String sni) {
        ClusterLoadAssignment assignment = stream.endpoints().get(gatewayCluster(sni));
        if (assignment == null) {
            return List.of();
        }
        return assignment.getEndpointsList().stream()
                .flatMap(locality -> locality.getLbEndpointsList().stream())
                .map(LbEndpoint::getEndpoint)
                .map(endpoint -> endpoint.getAddress().getSocketAddress())
                .map(socket -> socket.getAddress() + ":" + socket.getPortValue())
                .sorted()
                .toList();
    }
}

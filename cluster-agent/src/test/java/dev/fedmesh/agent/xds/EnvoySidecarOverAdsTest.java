package dev.fedmesh.agent.xds;

import static dev.fedmesh.agent.xds.EnvoyStream.CLUSTERS;
import static dev.fedmesh.agent.xds.EnvoyStream.ENDPOINTS;
import static dev.fedmesh.agent.xds.EnvoyStream.LISTENERS;
import static dev.fedmesh.agent.xds.EnvoyStream.PATIENCE;
import static dev.fedmesh.agent.xds.EnvoyStream.ROUTES;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.Gson;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import dev.fedmesh.agent.AgentSettings;
import dev.fedmesh.agent.ClusterAgent;
import dev.fedmesh.agent.ControlPlaneTopics;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.MeshTrust;
import dev.fedmesh.api.v1.MtlsModeSpec;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.api.v1.ProxyStatus;
import dev.fedmesh.api.v1.ProxySyncState;
import dev.fedmesh.api.v1.RateLimitSpec;
import dev.fedmesh.api.v1.Service;
import dev.fedmesh.api.v1.ServiceSubset;
import dev.fedmesh.api.v1.Target;
import dev.fedmesh.api.v1.TrafficPermissionSpec;
import dev.fedmesh.policy.ratelimit.RateLimitTranslator;
import dev.fedmesh.policy.trafficpermission.TrafficPermissionTranslator;
import dev.fedmesh.policy.xds.EnvoyConstraints;
import dev.fedmesh.policy.xds.EnvoySidecar;
import dev.fedmesh.policy.xds.ProxyConfigTranslator;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.testing.TestKafka;
import dev.fedmesh.testing.TestResources;
import dev.fedmesh.trust.signing.ConfigSigningKey;
import dev.fedmesh.trust.signing.ConfigVerifier;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * An Envoy sidecar as Envoy sees its agent: a real ADS stream, announcing a greeter workload in
 * namespace shop that calls ledger, to a running agent that applied its config from the real Kafka
 * broker. The sidecar gets its inbound listener (mTLS over SDS, the service's RBAC), an outbound
 * listener taking ledger's route over RDS, the mesh's clusters and endpoints, ACKs all of it, and
 * sees a RateLimit published later take its place on the inbound port.
 */
class EnvoySidecarOverAdsTest {

    private static final String TENANT = "acme";
    private static final String CLUSTER = "east";
    private static final String GREETER_ID = "spiffe://acme.fedmesh.dev/ns/shop/sa/greeter";
    private static final ConfigSigningKey CONTROL_PLANE = ConfigSigningKey.generate();

    private static ControlPlaneTopics topics;
    private static long revision;

    @TempDir
    Path stateDir;

    private final TestResources resources = new TestResources();
    private ClusterAgent agent;

    @BeforeEach
    void startTheAgent() throws Exception {
        if (topics == null) {
            topics = ControlPlaneTopics.open(TestKafka.topicPrefix(EnvoySidecarOverAdsTest.class), TENANT,
                    CONTROL_PLANE, PATIENCE);
            topics.createTopics();
        }
        long applied = publish();
        agent = resources.add(ClusterAgent.start(AgentSettings.builder(TENANT, CLUSTER)
                .kafkaBootstrapServers(TestKafka.broker().bootstrapServers())
                .configVerifier(ConfigVerifier.trusting(CONTROL_PLANE.publicKey()))
                .topicPrefix(TestKafka.topicPrefix(getClass()))
                .xdsPort(0)
                .stateDirectory(stateDir)
                .build()));
        awaitApplied(applied);
    }

    @AfterEach
    void stopEverything() throws Exception {
        resources.close();
    }

    @AfterAll
    static void closeTopics() {
        topics.close();
    }

    @Test
    void aSidecarGetsItsInboundAndOutboundListenersTheMeshsRoutesAndClustersAcksThemAndSeesANewRateLimit()
            throws Exception {
        ServiceEndpoint ledger = register("ledger");
        EnvoyStream sidecar = open(sidecarNode("greeter-0"));
        sidecar.await("the sidecar's listeners, ledger's route, clusters and ledger's endpoints", envoy ->
                envoy.listeners().size() == 2 && !envoy.routes().isEmpty()
                        && addresses(envoy, "outbound|ledger").equals(List.of(address(ledger))));

        assertThat(sidecar.listeners()).extracting(Listener::getName).containsExactly("inbound|8080", "outbound|ledger");
        Listener inbound = listener(sidecar, "inbound|8080");
        DownstreamTlsContext server = inbound.getFilterChains(0).getTransportSocket().getTypedConfig()
                .unpack(DownstreamTlsContext.class);
        assertThat(server.getRequireClientCertificate().getValue()).as("greeter is STRICT").isTrue();
        assertThat(server.getCommonTlsContext().getTlsCertificateSdsSecretConfigs(0).getName()).isEqualTo(GREETER_ID);
        assertThat(inboundFilters(sidecar)).containsExactly(TrafficPermissionTranslator.DENY_FILTER,
                ProxyConfigTranslator.ROUTER_FILTER);

        Listener outbound = listener(sidecar, "outbound|ledger");
        assertThat(outbound.getAddress().getSocketAddress().getAddress()).isEqualTo("127.0.0.1");
        assertThat(outbound.getAddress().getSocketAddress().getPortValue()).isEqualTo(9001);
        assertThat(sidecar.routes()).extracting(RouteConfiguration::getName)
                .as("the RouteConfiguration ledger's proxyless callers get, asked for over RDS").containsExactly("ledger");
        UpstreamTlsContext client = cluster(sidecar, "outbound|ledger").getTransportSocket().getTypedConfig()
                .unpack(UpstreamTlsContext.class);
        assertThat(client.getCommonTlsContext().getTlsCertificateSdsSecretConfigs(0).getName())
                .as("the sidecar calls as its own workload, over SDS").isEqualTo(GREETER_ID);
        Cluster local = cluster(sidecar, EnvoySidecar.localClusterName("greeter", 9080));
        assertThat(local.getLoadAssignment().getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress()
                .getSocketAddress().getPortValue()).isEqualTo(9080);
        assertThat(sidecar.violations()).as("Envoy's constraints on what the sidecar was served").isEmpty();
        assertThat(agent.inventory().endpoints()).extracting(ServiceEndpoint::service)
                .as("the sidecar registers its workload as a proxyless server does").contains("greeter");
        String before = awaitSynced("greeter-0", sidecar);

        long withLimit = publish(rateLimit());
        awaitApplied(withLimit);
        sidecar.await("the RateLimit on the inbound port", envoy -> inboundFilters(envoy)
                .contains(RateLimitTranslator.FILTER_PREFIX + "greeter-frontend"));
        assertThat(inboundFilters(sidecar)).containsExactly(TrafficPermissionTranslator.DENY_FILTER,
                RateLimitTranslator.FILTER_PREFIX + "greeter-frontend.sources",
                RateLimitTranslator.FILTER_PREFIX + "greeter-frontend", ProxyConfigTranslator.ROUTER_FILTER);
        String after = awaitSynced("greeter-0", sidecar);
        assertThat(after).as("a new listener version, ACKed").isNotEqualTo(before);
        assertThat(sidecar.violations()).isEmpty();
    }

    @Test
    void aProxylessClientOfTheSameClusterIsNeverServedTheSidecarsListeners() throws Exception {
        register("ledger");
        EnvoyStream sidecar = open(sidecarNode("greeter-0"));
        sidecar.await("the sidecar's listeners", envoy -> envoy.listeners().size() == 2);
        EnvoyStream proxyless = open(Node.newBuilder().setId("frontend-0").build());
        proxyless.await("the proxyless listeners", envoy -> !envoy.listeners().isEmpty());

        assertThat(proxyless.listeners()).extracting(Listener::getName)
                .contains("greeter", "ledger")
                .doesNotContain("inbound|8080", "outbound|ledger");
        assertThat(proxyless.clusters()).extracting(Cluster::getName)
                .doesNotContain(EnvoySidecar.localClusterName("greeter", 9080));
    }

    @Test
    void theBootstrapInTheDocsIsEnvoysAndItsNodeIsServedAsASidecar() throws Exception {
        String page = Files.readString(Path.of("..", "docs", "envoy-sidecar.md"));
        String section = page.substring(page.indexOf("## Bootstrap"));
        int start = section.indexOf("```yaml\n") + "```yaml\n".length();
        String yaml = section.substring(start, section.indexOf("```\n", start));
        Object tree = new Yaml().load(yaml);
        Bootstrap.Builder parsed = Bootstrap.newBuilder();
        JsonFormat.parser().usingTypeRegistry(EnvoyConstraints.TYPES).merge(new Gson().toJson(tree), parsed);
        Bootstrap bootstrap = parsed.build();

        assertThat(EnvoyConstraints.violations(bootstrap)).as("Envoy's constraints on the documented bootstrap").isEmpty();
        Struct metadata = bootstrap.getNode().getMetadata();
        assertThat(metadata.getFieldsOrThrow(ClusterAgent.ROLE_METADATA).getStringValue()).isEqualTo(SidecarNodes.SIDECAR_ROLE);
        assertThat(SidecarNodes.read(metadata).upstreams()).containsEntry("ledger", 9001);
        assertThat(bootstrap.getDynamicResources().getLdsConfig().hasAds()).isTrue();
        assertThat(bootstrap.getDynamicResources().getCdsConfig().hasAds()).isTrue();
        String adsCluster = bootstrap.getDynamicResources().getAdsConfig().getGrpcServices(0).getEnvoyGrpc().getClusterName();
        assertThat(staticCluster(bootstrap, adsCluster).getLoadAssignment().getEndpoints(0).getLbEndpoints(0)
                .getEndpoint().getAddress().getSocketAddress().getPortValue())
                .as("the agent's default ADS port").isEqualTo(AgentSettings.DEFAULT_XDS_PORT);
        assertThat(staticCluster(bootstrap, EnvoySidecar.SDS_CLUSTER).getLoadAssignment().getEndpoints(0)
                .getLbEndpoints(0).getEndpoint().getAddress().hasPipe())
                .as("SDS over the agent's Unix socket, the cluster the served TLS contexts name").isTrue();

        register("ledger");
        EnvoyStream sidecar = open(bootstrap.getNode());
        sidecar.await("the documented sidecar's listeners", envoy -> envoy.listeners().size() == 2);
        assertThat(sidecar.listeners()).extracting(Listener::getName).containsExactly("inbound|8080", "outbound|ledger");
    }

    /** Publishes the next revision: greeter and ledger, STRICT, batch denied on greeter, and {@code more}. */
    private static long publish(Policy... more) throws Exception {
        revision++;
        topics.publish(DesiredConfig.newBuilder()
                .setTenant(TENANT)
                .setCluster(CLUSTER)
                .setRevision(revision)
                .setTrust(MeshTrust.newBuilder().setTrustDomain("acme.fedmesh.dev"))
                .addServices(Service.newBuilder().setName("greeter"))
                .addServices(Service.newBuilder().setName("ledger"))
                .addPolicies(Policy.newBuilder().setKind("MtlsMode").setName("mesh-mtls")
                        .setTarget(Target.newBuilder().setMesh(true))
                        .setMtlsMode(MtlsModeSpec.newBuilder().setMode(MtlsModeSpec.Mode.MODE_STRICT)))
                .addPolicies(Policy.newBuilder().setKind("TrafficPermission").setName("no-batch")
                        .setTarget(greeter())
                        .setTrafficPermission(TrafficPermissionSpec.newBuilder().addRules(TrafficPermissionSpec.Rule.newBuilder()
                                .setAction(TrafficPermissionSpec.Action.ACTION_DENY)
                                .addSources(TrafficPermissionSpec.Source.newBuilder().setService("batch")))))
                .addAllPolicies(List.of(more))
                .build());
        return revision;
    }

    private static Policy rateLimit() {
        return Policy.newBuilder().setKind("RateLimit").setName("greeter-frontend")
                .setTarget(greeter())
                .addFrom(ServiceSubset.newBuilder().setService("frontend"))
                .setRateLimit(RateLimitSpec.newBuilder().setRequests(50).setBurst(10).setHttpStatus(429)
                        .setInterval(com.google.protobuf.Duration.newBuilder().setSeconds(1)))
                .build();
    }

    private static Target greeter() {
        return Target.newBuilder().setService(ServiceSubset.newBuilder().setService("greeter")).build();
    }

    private void awaitApplied(long wanted) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (agent.appliedRevision() < wanted) {
            assertThat(System.nanoTime()).as("the agent applies revision %d from Kafka", wanted).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    /** The node of a greeter sidecar: port 8080, application at 127.0.0.1:9080, namespace shop, calling ledger at 9001. */
    private static Node sidecarNode(String id) {
        return Node.newBuilder()
                .setId(id)
                .setCluster("greeter")
                .setMetadata(Struct.newBuilder()
                        .putFields(ClusterAgent.ROLE_METADATA, text(SidecarNodes.SIDECAR_ROLE))
                        .putFields("fedmesh.service", text("greeter"))
                        .putFields("fedmesh.port", number(8080))
                        .putFields(SidecarNodes.APP_PORT, number(9080))
                        .putFields("fedmesh.labels", Value.newBuilder().setStructValue(Struct.newBuilder()
                                .putFields("fedmesh.dev/namespace", text("shop"))).build())
                        .putFields(SidecarNodes.UPSTREAMS, Value.newBuilder().setStructValue(Struct.newBuilder()
                                .putFields("ledger", number(9001))).build()))
                .build();
    }

    private static Value text(String value) {
        return Value.newBuilder().setStringValue(value).build();
    }

    private static Value number(int value) {
        return Value.newBuilder().setNumberValue(value).build();
    }

    /** A local endpoint of {@code service}, registered with the agent: a real listening server, so probes keep it healthy. */
    private ServiceEndpoint register(String service) throws IOException {
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).build().start();
        resources.add(() -> {
            server.shutdownNow();
            server.awaitTermination(5, TimeUnit.SECONDS);
        });
        ServiceEndpoint endpoint = new ServiceEndpoint(service, "127.0.0.1", server.getPort(), Map.of());
        assertThat(agent.inventory().register(endpoint)).isTrue();
        return endpoint;
    }

    private EnvoyStream open(Node node) {
        return resources.add(EnvoyStream.open("localhost:" + agent.xdsPort(), node));
    }

    /**
     * Waits until the agent's status shows {@code node} SYNCED, having ACKed every type it asked for
     * at the version served now, and the stream holds that version of the listeners; returns it.
     */
    private String awaitSynced(String node, EnvoyStream stream) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            ProxyStatus status = agent.proxies().stream().filter(proxy -> proxy.getNodeId().equals(node))
                    .findFirst().orElse(null);
            String held = stream.version(LISTENERS);
            if (status != null && status.getState() == ProxySyncState.SYNCED && status.getTypesList().stream()
                    .anyMatch(type -> type.getTypeUrl().equals(LISTENERS) && type.getAckedVersion().equals(held))) {
                assertThat(status.getTypesList()).extracting(type -> type.getTypeUrl())
                        .containsExactlyInAnyOrder(LISTENERS, ROUTES, CLUSTERS, ENDPOINTS);
                return held;
            }
            assertThat(System.nanoTime()).as("%s SYNCED with the served snapshot (its status: %s)", node, status)
                    .isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    private static List<String> inboundFilters(EnvoyStream stream) {
        try {
            return listener(stream, "inbound|8080").getFilterChains(0).getFilters(0).getTypedConfig()
                    .unpack(HttpConnectionManager.class).getHttpFiltersList().stream().map(HttpFilter::getName).toList();
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    private static Listener listener(EnvoyStream stream, String name) {
        return stream.listeners().stream().filter(l -> l.getName().equals(name)).findFirst().orElseThrow();
    }

    private static Cluster cluster(EnvoyStream stream, String name) {
        return stream.clusters().stream().filter(c -> c.getName().equals(name)).findFirst().orElseThrow();
    }

    private static Cluster staticCluster(Bootstrap bootstrap, String name) {
        return bootstrap.getStaticResources().getClustersList().stream()
                .filter(cluster -> cluster.getName().equals(name)).findFirst().orElseThrow();
    }

    private static String address(ServiceEndpoint endpoint) {
        return endpoint.host() + ":" + endpoint.port();
    }

    private static List<String> addresses(EnvoyStream stream, String cluster) {
        var assignment = stream.endpoints().get(cluster);
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

package dev.fedmesh.agent.status;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.fedmesh.agent.AgentSettings;
import dev.fedmesh.agent.ClusterAgent;
import dev.fedmesh.agent.ControlPlaneTopics;
import dev.fedmesh.api.KafkaTopics;
import dev.fedmesh.api.v1.ClusterStatus;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.ProxyStatus;
import dev.fedmesh.api.v1.ProxySyncState;
import dev.fedmesh.api.v1.ResourceTypeStatus;
import dev.fedmesh.api.v1.Service;
import dev.fedmesh.policy.compiler.DesiredConfigEnvelopes;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.testing.TestKafka;
import dev.fedmesh.testing.xds.ProxylessClients;
import dev.fedmesh.trust.signing.ConfigSigningKey;
import dev.fedmesh.trust.signing.ConfigVerifier;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real agent on a real Kafka broker, with real xDS clients: what it reports on the tenant's
 * status topic about its applied config and each connected proxy.
 */
class AgentReportsWhereItStandsTest {

    private static final String LISTENER = "type.googleapis.com/envoy.config.listener.v3.Listener";
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final ConfigSigningKey CONTROL_PLANE = ConfigSigningKey.generate();

    @TempDir
    Path stateDir;

    private String bootstrap;
    private String tenant;
    private String prefix;
    private ControlPlaneTopics topics;

    @BeforeEach
    void topics(TestInfo test) throws Exception {
        bootstrap = TestKafka.broker().bootstrapServers();
        prefix = TestKafka.topicPrefix(getClass());
        tenant = "t" + Integer.toHexString(test.getDisplayName().hashCode() & 0x7fffffff);
        topics = ControlPlaneTopics.open(prefix, tenant, CONTROL_PLANE, PATIENCE);
        topics.createTopicsWithAnUncompactedDesiredTopic();
    }

    @AfterEach
    void closeTopics() {
        topics.close();
    }

    @Test
    void connectedProxylessClientIsReportedSyncedAtTheAppliedRevision() throws Exception {
        DesiredConfig config = greeter("east", 3);
        try (ClusterAgent agent = ClusterAgent.start(settings("east"))) {
            agent.inventory().register(new ServiceEndpoint("greeter", "127.0.0.1", 50051, Map.of("version", "v1")));
            topics.publish(config);
            ManagedChannel client = ProxylessClients.channel("localhost:" + agent.xdsPort(), "frontend-1", "greeter");
            try {
                client.getState(true);

                // The client subscribes type by type (listener, route, cluster, endpoints), ACKing each.
                ClusterStatus status = topics.awaitReport("frontend-1 is SYNCED with all four types at revision 3",
                        report -> report.getAppliedRevision() == 3 && proxy(report, "frontend-1")
                                .filter(p -> p.getState() == ProxySyncState.SYNCED && p.getTypesCount() == 4)
                                .isPresent());

                assertThat(status.getTenant()).isEqualTo(tenant);
                assertThat(status.getCluster()).isEqualTo("east");
                assertThat(status.getConfigSha256()).isEqualTo(ByteString.copyFrom(
                        DesiredConfigEnvelopes.sha256(DesiredConfigEnvelopes.deterministicBytes(config))));
                assertThat(status.getXdsVersion()).startsWith("3.");
                ProxyStatus proxy = proxy(status, "frontend-1").orElseThrow();
                assertThat(proxy.getError()).isEmpty();
                assertThat(proxy.getTypesList()).extracting(ResourceTypeStatus::getTypeUrl)
                        .containsExactly("type.googleapis.com/envoy.config.cluster.v3.Cluster",
                                "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment", LISTENER,
                                "type.googleapis.com/envoy.config.route.v3.RouteConfiguration");
                // SYNCED is judged per type: a later snapshot that leaves a type as it was (e.g. a probe's
                // result the same) keeps that type's version, so the overall version may be newer.
                assertThat(proxy.getTypesList()).allSatisfy(type -> {
                    assertThat(type.getAckedVersion()).startsWith("3.").isEqualTo(type.getSentVersion());
                    assertThat(type.getNackedVersion()).isEmpty();
                });
            } finally {
                ProxylessClients.close(client);
            }

            topics.awaitReport("the closed client is no longer listed",
                    report -> proxy(report, "frontend-1").isEmpty());
        }
    }

    @Test
    void proxyThatRejectsAListenerIsReportedNackedWithItsError() throws Exception {
        try (ClusterAgent agent = ClusterAgent.start(settings("west"))) {
            topics.publish(greeter("west", 7));
            topics.awaitReport("revision 7 is applied", report -> report.getAppliedRevision() == 7);
            ManagedChannel channel = Grpc.newChannelBuilder("localhost:" + agent.xdsPort(),
                    InsecureChannelCredentials.create()).build();
            BlockingQueue<DiscoveryResponse> responses = new LinkedBlockingQueue<>();
            StreamObserver<DiscoveryRequest> stream = AggregatedDiscoveryServiceGrpc.newStub(channel)
                    .streamAggregatedResources(new StreamObserver<>() {
                        @Override
                        public void onNext(DiscoveryResponse response) {
                            responses.add(response);
                        }

                        @Override
                        public void onError(Throwable t) {
                        }

                        @Override
                        public void onCompleted() {
                        }
                    });
            try {
                stream.onNext(DiscoveryRequest.newBuilder()
                        .setNode(Node.newBuilder().setId("envoy-gw-1"))
                        .setTypeUrl(LISTENER)
                        .addResourceNames("greeter")
                        .build());
                DiscoveryResponse listeners = responses.poll(60, TimeUnit.SECONDS);
                assertThat(listeners).as("the agent's listener response").isNotNull();
                stream.onNext(DiscoveryRequest.newBuilder()
                        .setTypeUrl(LISTENER)
                        .addResourceNames("greeter")
                        .setResponseNonce(listeners.getNonce())
                        .setErrorDetail(com.google.rpc.Status.newBuilder().setCode(3)
                                .setMessage("listener 'greeter': unknown http filter 'envoy.filters.http.wasm'"))
                        .build());

                ClusterStatus status = topics.awaitReport("envoy-gw-1 is NACKED", report -> proxy(report, "envoy-gw-1")
                        .filter(p -> p.getState() == ProxySyncState.NACKED).isPresent());

                ProxyStatus proxy = proxy(status, "envoy-gw-1").orElseThrow();
                assertThat(proxy.getError()).isEqualTo("listener 'greeter': unknown http filter 'envoy.filters.http.wasm'");
                assertThat(proxy.getTypesList()).singleElement().satisfies(type -> {
                    assertThat(type.getTypeUrl()).isEqualTo(LISTENER);
                    assertThat(type.getNackedVersion()).isEqualTo(listeners.getVersionInfo());
                    assertThat(type.getAckedVersion()).isEmpty();
                });
                assertThat(listeners.getVersionInfo()).isEqualTo(status.getXdsVersion());
            } finally {
                stream.onCompleted();
                ProxylessClients.close(channel);
            }
        }
    }

    @Test
    void recordSignedByAnUntrustedKeyIsRefusedAndTheReportSaysWhy() throws Exception {
        ConfigSigningKey forger = ConfigSigningKey.generate();
        try (ClusterAgent agent = ClusterAgent.start(settings("south"))) {
            topics.publish("south", forger.signed(DesiredConfigEnvelopes.seal(greeter("south", 8))));
            topics.publish(greeter("south", 9));

            ClusterStatus status = topics.awaitReport("revision 9 applied and the refusal named",
                    report -> report.getAppliedRevision() == 9 && !report.getLastRefusal().isEmpty());

            assertThat(status.getLastRefusal()).startsWith("UNKNOWN_KEY: record " + KafkaTopics.desired(prefix, tenant))
                    .contains("key id " + forger.keyId());
        }
    }

    private static Optional<ProxyStatus> proxy(ClusterStatus report, String node) {
        return report.getProxiesList().stream().filter(p -> p.getNodeId().equals(node)).findFirst();
    }

    private DesiredConfig greeter(String cluster, long revision) {
        return DesiredConfig.newBuilder().setTenant(tenant).setCluster(cluster).setRevision(revision)
                .addServices(Service.newBuilder().setName("greeter")).build();
    }

    private AgentSettings settings(String cluster) {
        return AgentSettings.builder(tenant, cluster)
                .kafkaBootstrapServers(bootstrap)
                .configVerifier(ConfigVerifier.trusting(CONTROL_PLANE.publicKey()))
                .topicPrefix(prefix)
                .xdsPort(0)
                .stateDirectory(stateDir)
                .build();
    }
}

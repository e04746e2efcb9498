package dev.fedmesh.agent.registration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fedmesh.agent.AgentSettings;
import dev.fedmesh.agent.ClusterAgent;
import dev.fedmesh.agent.desired.LastKnownGood;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.Service;
import dev.fedmesh.policy.xds.ServerListeners;
import dev.fedmesh.trust.signing.ConfigSigningKey;
import dev.fedmesh.trust.signing.ConfigVerifier;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * An agent of cluster {@code east} of tenant {@code acme} for the registration tests: no Kafka (its
 * last-known-good config, service {@code greeter}, is served at start), xDS on a given port, and the
 * bootstraps of proxyless workloads that announce themselves in their node metadata.
 */
public final class GreeterAgent {

    public static final String TENANT = "acme";
    public static final String CLUSTER = "east";
    public static final String SERVICE = "greeter";
    public static final Duration PATIENCE = Duration.ofSeconds(30);

    private GreeterAgent() {
    }

    /** Settings of an agent keeping its state in {@code stateDirectory}, serving xDS on {@code xdsPort}. */
    public static AgentSettings.Builder settings(Path stateDirectory, int xdsPort) throws IOException {
        return AgentSettings.builder(TENANT, CLUSTER)
                .kafkaBootstrapServers("127.0.0.1:" + closedPort())
                .configVerifier(ConfigVerifier.trusting(ConfigSigningKey.generate().publicKey()))
                .xdsPort(xdsPort)
                .stateDirectory(stateDirectory);
    }

    /** Starts an agent that serves the greeter config from its state directory before Kafka answers (it never does). */
    public static ClusterAgent start(AgentSettings settings) throws IOException {
        new LastKnownGood(settings.stateDirectory(), TENANT, CLUSTER).save(DesiredConfig.newBuilder()
                .setTenant(TENANT)
                .setCluster(CLUSTER)
                .setRevision(1)
                .addServices(Service.newBuilder().setName(SERVICE))
                .build());
        return ClusterAgent.start(settings);
    }

    /** A proxyless workload's bootstrap naming the agent at {@code xdsPort}, with {@code metadata} on its node. */
    public static Map<String, ?> bootstrap(int xdsPort, String nodeId, Map<String, ?> metadata) {
        Map<String, Object> node = new LinkedHashMap<>();
        node.put("id", nodeId);
        node.put("metadata", metadata);
        return Map.of(
                "xds_servers", List.of(Map.of(
                        "server_uri", "127.0.0.1:" + xdsPort,
                        "channel_creds", List.of(Map.of("type", "insecure")),
                        "server_features", List.of("xds_v3"))),
                "node", node,
                "server_listener_resource_name_template", ServerListeners.NAME_TEMPLATE);
    }

    /** The node metadata of a greeter workload announcing itself on {@code port}. */
    public static Map<String, ?> greeterMetadata(int port, String version) {
        return Map.of(
                ConnectedWorkloads.SERVICE, SERVICE,
                ConnectedWorkloads.PORT, (double) port,
                ConnectedWorkloads.LABELS, Map.of("version", version),
                ConnectedWorkloads.SERVICE_ACCOUNT, "greeter");
    }

    /** The greeter implementation: answers every call with {@code name}. */
    public static SimpleServiceGrpc.SimpleServiceImplBase answering(String name) {
        return new SimpleServiceGrpc.SimpleServiceImplBase() {
            @Override
            public void unaryRpc(SimpleRequest request, StreamObserver<SimpleResponse> response) {
                response.onNext(SimpleResponse.newBuilder().setResponseMessage(name).build());
                response.onCompleted();
            }
        };
    }

    /** One call over {@code channel}; the first waits for the xDS answers. */
    public static String call(ManagedChannel channel) {
        return SimpleServiceGrpc.newBlockingStub(channel).withWaitForReady().withDeadlineAfter(20, TimeUnit.SECONDS)
                .unaryRpc(SimpleRequest.getDefaultInstance()).getResponseMessage();
    }

    /** Waits until {@code condition} holds, failing with {@code what} after {@link #PATIENCE}. */
    public static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for %s", what).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    /** Stops an xDS server and waits for it to terminate. */
    public static void stop(Server server) throws InterruptedException {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}

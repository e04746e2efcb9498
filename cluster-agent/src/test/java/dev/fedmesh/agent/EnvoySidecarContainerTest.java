package dev.fedmesh.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.Gson;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.api.v1.RateLimitSpec;
import dev.fedmesh.api.v1.Service;
import dev.fedmesh.api.v1.ServiceSubset;
import dev.fedmesh.api.v1.Target;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.testing.FreePort;
import dev.fedmesh.testing.TestResources;
import dev.fedmesh.trust.signing.ConfigSigningKey;
import dev.fedmesh.trust.signing.ConfigVerifier;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.DockerImageName;
import org.yaml.snakeyaml.Yaml;

/**
 * A real Envoy, started from the bootstrap in docs/envoy-sidecar.md, as the sidecar of greeter,
 * configured by nothing but a running agent's ADS: calls to the sidecar's inbound port reach the
 * application until greeter's RateLimit empties its bucket, and the application's calls to ledger
 * through the sidecar's outbound port reach ledger's endpoint from the agent's inventory. Envoy runs
 * in a container on the host's network (a Linux Docker engine), so the agent, the application and
 * ledger stay on loopback as the docs lay them out; runs only where a Docker engine answers.
 */
@EnabledIf(value = "dev.fedmesh.testing.DockerEngine#answers", disabledReason = "no Docker engine answers (no"
        + " DOCKER_HOST, no docker socket): no real Envoy is run here; EnvoySidecarOverAdsTest checks what it is served"
        + " against Envoy's protoc-gen-validate rules over a real ADS stream")
class EnvoySidecarContainerTest {

    /** An Envoy whose LocalRateLimit has {@code rate_limits}, the v3 API the agent is built against. */
    static final String ENVOY_IMAGE = "envoyproxy/envoy:v1.34.1";
    private static final Duration PATIENCE = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    private final TestResources resources = new TestResources();

    @AfterEach
    void stop() throws Exception {
        resources.close();
    }

    @Test
    void aRealEnvoyConfiguredByTheAgentServesGreeterRateLimitsItAndCallsLedger() throws Exception {
        int inboundPort = FreePort.find();
        int ledgerLocalPort = FreePort.find();
        AtomicInteger greeterCalls = new AtomicInteger();
        Server greeterApp = server(FreePort.find(), "greeter", greeterCalls);
        Server ledger = server(FreePort.find(), "ledger", new AtomicInteger());
        ClusterAgent agent = resources.add(ClusterAgent.start(AgentSettings.builder("acme", "east")
                .kafkaBootstrapServers("127.0.0.1:" + FreePort.find())
                .configVerifier(ConfigVerifier.trusting(ConfigSigningKey.generate().publicKey()))
                .xdsPort(0)
                .stateDirectory(dir.resolve("agent"))
                .build()));
        agent.inventory().register(new ServiceEndpoint("ledger", "127.0.0.1", ledger.getPort(), Map.of()));
        assertThat(agent.offer(DesiredConfig.newBuilder()
                .setTenant("acme").setCluster("east").setRevision(1)
                .addServices(Service.newBuilder().setName("greeter"))
                .addServices(Service.newBuilder().setName("ledger"))
                .addPolicies(Policy.newBuilder().setKind("RateLimit").setName("greeter-limit")
                        .setTarget(Target.newBuilder().setService(ServiceSubset.newBuilder().setService("greeter")))
                        .setRateLimit(RateLimitSpec.newBuilder().setRequests(3).setHttpStatus(429)
                                .setInterval(com.google.protobuf.Duration.newBuilder().setSeconds(3600))))
                .build())).isTrue();

        GenericContainer<?> envoy = new GenericContainer<>(DockerImageName.parse(ENVOY_IMAGE))
                .withNetworkMode("host")
                .withCopyToContainer(Transferable.of(bootstrap(agent.xdsPort(), inboundPort, greeterApp.getPort(),
                        ledgerLocalPort, FreePort.find())), "/etc/fedmesh/envoy.json")
                .withCommand("envoy", "-c", "/etc/fedmesh/envoy.json", "--log-level", "info")
                .waitingFor(Wait.forLogMessage(".*starting main dispatch loop.*", 1).withStartupTimeout(PATIENCE));
        resources.add(envoy::stop);
        envoy.start();

        ManagedChannel toGreeter = channel(inboundPort);
        awaitAnswer(toGreeter, "greeter");
        for (int i = 0; i < 10 && status(toGreeter) == Status.Code.OK; i++) {
            assertThat(greeterCalls.get()).as("calls let through a bucket of 3").isLessThanOrEqualTo(3);
        }
        int through = greeterCalls.get();
        assertThat(status(toGreeter)).as("greeter's RateLimit answers 429, which gRPC reads as UNAVAILABLE")
                .isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(greeterCalls.get()).as("no call reaches greeter once its bucket is empty").isEqualTo(through)
                .isBetween(1, 3);

        awaitAnswer(channel(ledgerLocalPort), "ledger");
    }

    /** The documented bootstrap, its ports those of this test and its SDS socket in the test's directory, as JSON. */
    private String bootstrap(int adsPort, int inboundPort, int appPort, int ledgerPort, int adminPort) throws IOException {
        String page = Files.readString(Path.of("..", "docs", "envoy-sidecar.md"));
        String section = page.substring(page.indexOf("## Bootstrap"));
        int start = section.indexOf("```yaml\n") + "```yaml\n".length();
        String yaml = section.substring(start, section.indexOf("```\n", start))
                .replace("port_value: 18000", "port_value: " + adsPort)
                .replace("port_value: 9901", "port_value: " + adminPort)
                .replace("fedmesh.port: 8080", "fedmesh.port: " + inboundPort)
                .replace("fedmesh.appPort: 9080", "fedmesh.appPort: " + appPort)
                .replace("{ledger: 9001}", "{ledger: " + ledgerPort + "}")
                .replace("/run/fedmesh/sds.sock", dir.resolve("sds.sock").toString());
        return new Gson().toJson(new Yaml().load(yaml));
    }

    private Server server(int port, String name, AtomicInteger calls) throws IOException {
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                .addService(new SimpleServiceGrpc.SimpleServiceImplBase() {
                    @Override
                    public void unaryRpc(SimpleRequest request, StreamObserver<SimpleResponse> response) {
                        calls.incrementAndGet();
                        response.onNext(SimpleResponse.newBuilder().setResponseMessage(name).build());
                        response.onCompleted();
                    }
                })
                .build()
                .start();
        resources.add(() -> server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        return server;
    }

    private ManagedChannel channel(int port) {
        ManagedChannel channel = Grpc.newChannelBuilderForAddress("127.0.0.1", port, InsecureChannelCredentials.create())
                .build();
        resources.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        return channel;
    }

    /** Calls until {@code name} answers: Envoy's listeners come over ADS after it starts. */
    private static void awaitAnswer(ManagedChannel channel, String name) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            try {
                String answer = SimpleServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                        .unaryRpc(SimpleRequest.getDefaultInstance()).getResponseMessage();
                assertThat(answer).isEqualTo(name);
                return;
            } catch (StatusRuntimeException e) {
                assertThat(System.nanoTime()).as("%s answering through Envoy (last: %s)", name, e.getStatus())
                        .isLessThan(deadline);
                Thread.sleep(200);
            }
        }
    }

    private static Status.Code status(ManagedChannel channel) {
        try {
            SimpleServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                    .unaryRpc(SimpleRequest.getDefaultInstance());
            return Status.Code.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        }
    }
}

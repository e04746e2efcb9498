package dev.fedmesh.agent;

import static dev.fedmesh.agent.Configs.SERVICE;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.fedmesh.agent.health.TcpServer;
import dev.fedmesh.agent.registration.GreeterAgent;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.EndpointHealth;
import dev.fedmesh.api.v1.HealthCheckSpec;
import dev.fedmesh.api.v1.InventoryEndpoint;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.api.v1.Service;
import dev.fedmesh.api.v1.ServiceSubset;
import dev.fedmesh.api.v1.Target;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.testing.FreePort;
import dev.fedmesh.testing.TestResources;
import dev.fedmesh.testing.xds.ProxylessClients;
import dev.fedmesh.testing.xds.ProxylessServers;
import dev.fedmesh.trust.signing.ConfigSigningKey;
import dev.fedmesh.trust.signing.ConfigVerifier;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HealthCheck policies run by the agent on its own endpoints, seen where they matter: a real
 * proxyless gRPC client stops calling an endpoint whose check fails and calls it again once it
 * passes, and the inventory the agent publishes carries each endpoint's health.
 *
 * <p>The checks here run every second ({@link #INTERVAL}, the least the API accepts) and take an
 * endpoint out after 2 failures: one is out at most 1 s (its turn) + 1 s (the second failure) + the
 * 500 ms timeout after it starts failing, plus a push. {@link #WITHIN} is several times that, so a
 * loaded machine cannot fail the tests, while a check that is not applied at all still does.
 */
class HealthCheckPoliciesTest {

    private static final String TENANT = "acme";
    private static final String CLUSTER = "eu-west-1";
    private static final com.google.protobuf.Duration INTERVAL = com.google.protobuf.Duration.newBuilder().setSeconds(1).build();
    private static final com.google.protobuf.Duration TIMEOUT = com.google.protobuf.Duration.newBuilder().setNanos(500_000_000).build();
    private static final Duration WITHIN = Duration.ofSeconds(20);

    @TempDir
    Path stateDir;

    @AutoClose
    private final TestResources resources = new TestResources();

    @Test
    void anEndpointAnsweringNotServingGetsNoCallsAndGetsThemBackOnceServingAgain() throws Exception {
        ClusterAgent agent = resources.add(ClusterAgent.start(settings()));
        Backend v1 = resources.add(Backend.start("v1"));
        Backend v2 = resources.add(Backend.start("v2"));
        agent.inventory().register(v1.endpoint(SERVICE, Map.of("version", "v1")));
        ServiceEndpoint failing = v2.endpoint(SERVICE, Map.of("version", "v2"));
        agent.inventory().register(failing);
        agent.offer(config(1, healthCheck(SERVICE, grpc(""))));
        ManagedChannel channel = ProxylessClients.channel("localhost:" + agent.xdsPort(), "node-a", SERVICE);
        resources.add(() -> ProxylessClients.close(channel));
        Traffic traffic = new Traffic(channel);
        traffic.awaitAnswerFrom("v2");

        long failedAt = System.nanoTime();
        v2.health().setStatus("", ServingStatus.NOT_SERVING);
        traffic.awaitOnly(Set.of("v1"), 50);
        assertThat(Duration.ofNanos(System.nanoTime() - failedAt)).isLessThan(WITHIN);
        assertThat(traffic.sample(200)).containsOnlyKeys("v1");
        assertThat(published(agent, failing).getHealth()).isEqualTo(EndpointHealth.ENDPOINT_HEALTH_UNHEALTHY);

        v2.health().setStatus("", ServingStatus.SERVING);
        traffic.awaitAnswerFrom("v2");
        assertThat(published(agent, failing).getHealth()).isEqualTo(EndpointHealth.ENDPOINT_HEALTH_HEALTHY);
    }

    @Test
    void aHealthCheckRemovedByTheNextConfigGivesAFailingEndpointItsCallsBack() throws Exception {
        ClusterAgent agent = resources.add(ClusterAgent.start(settings()));
        Backend v1 = resources.add(Backend.start("v1"));
        Backend v2 = resources.add(Backend.start("v2"));
        agent.inventory().register(v1.endpoint(SERVICE, Map.of("version", "v1")));
        agent.inventory().register(v2.endpoint(SERVICE, Map.of("version", "v2")));
        v2.health().setStatus("greeter.v1.Greeter", ServingStatus.NOT_SERVING);
        v1.health().setStatus("greeter.v1.Greeter", ServingStatus.SERVING);
        agent.offer(config(1, healthCheck(SERVICE, grpc("greeter.v1.Greeter"))));
        ManagedChannel channel = ProxylessClients.channel("localhost:" + agent.xdsPort(), "node-a", SERVICE);
        resources.add(() -> ProxylessClients.close(channel));
        Traffic traffic = new Traffic(channel);
        traffic.awaitOnly(Set.of("v1"), 50);

        agent.offer(config(2));

        traffic.awaitAnswerFrom("v2");
    }

    @Test
    void aConnectedWorkloadWhoseCheckFailsGetsNoCallsThoughItsStreamIsOpen() throws Exception {
        int xdsPort = FreePort.find();
        ClusterAgent agent = resources.add(GreeterAgent.start(GreeterAgent.settings(stateDir, xdsPort).build()));
        HealthStatusManager sickHealth = new HealthStatusManager();
        int healthyPort = FreePort.find();
        int sickPort = FreePort.find();
        Server healthy = ProxylessServers.start(GreeterAgent.bootstrap(xdsPort, "greeter-1",
                GreeterAgent.greeterMetadata(healthyPort, "v1")), healthyPort, GreeterAgent.answering("greeter-1"),
                new HealthStatusManager().getHealthService());
        resources.add(() -> ProxylessServers.stop(healthy));
        Server sick = ProxylessServers.start(GreeterAgent.bootstrap(xdsPort, "greeter-2",
                GreeterAgent.greeterMetadata(sickPort, "v1")), sickPort, GreeterAgent.answering("greeter-2"),
                sickHealth.getHealthService());
        resources.add(() -> ProxylessServers.stop(sick));
        agent.offer(config(2, healthCheck(SERVICE, grpc(""))).toBuilder().setCluster(GreeterAgent.CLUSTER).build());
        ManagedChannel channel = ProxylessClients.channel("127.0.0.1:" + xdsPort, "frontend-1", SERVICE);
        resources.add(() -> ProxylessClients.close(channel));
        Traffic traffic = new Traffic(channel);
        traffic.awaitAnswerFrom("greeter-2");

        sickHealth.setStatus("", ServingStatus.NOT_SERVING);

        traffic.awaitOnly(Set.of("greeter-1"), 50);
        ServiceEndpoint sickEndpoint = new ServiceEndpoint(SERVICE, "127.0.0.1", sickPort, Map.of("version", "v1"));
        assertThat(agent.inventory().entries()).anySatisfy(entry -> {
            assertThat(entry.endpoint()).isEqualTo(sickEndpoint);
            assertThat(entry.probed()).as("its stream is open").isFalse();
            assertThat(entry.health()).isEqualTo(EndpointHealth.ENDPOINT_HEALTH_UNHEALTHY);
        });
    }

    @Test
    void anHttpCheckAnswered503MarksTheEndpointUnhealthyWhileOneThatNeverAnswersDelaysNothing() throws Exception {
        ClusterAgent agent = resources.add(ClusterAgent.start(settings()));
        AtomicInteger status = new AtomicInteger(200);
        HttpServer web = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        web.createContext("/healthz", exchange -> {
            exchange.sendResponseHeaders(status.get(), -1);
            exchange.close();
        });
        web.start();
        resources.add(() -> web.stop(0));
        HttpServer stuck = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        stuck.setExecutor(Executors.newSingleThreadExecutor());
        stuck.createContext("/healthz", exchange -> {
            try {
                Thread.sleep(Duration.ofMinutes(1).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        stuck.start();
        resources.add(() -> stuck.stop(0));
        ServiceEndpoint answering = new ServiceEndpoint("web", "127.0.0.1", web.getAddress().getPort(), Map.of());
        ServiceEndpoint silent = new ServiceEndpoint("web", "127.0.0.1", stuck.getAddress().getPort(), Map.of());
        agent.inventory().register(answering);
        agent.inventory().register(silent);
        agent.offer(config(1, healthCheck("web", HealthCheckSpec.newBuilder()
                .setHttp(HealthCheckSpec.Http.newBuilder().setPath("/healthz").addExpectedStatuses(200)))));

        awaitPublished(agent, answering, EndpointHealth.ENDPOINT_HEALTH_HEALTHY);
        awaitPublished(agent, silent, EndpointHealth.ENDPOINT_HEALTH_UNHEALTHY);
        status.set(503);
        awaitPublished(agent, answering, EndpointHealth.ENDPOINT_HEALTH_UNHEALTHY);
        status.set(200);
        awaitPublished(agent, answering, EndpointHealth.ENDPOINT_HEALTH_HEALTHY);
    }

    @Test
    void aTcpCheckMarksAnEndpointWhosePortClosesUnhealthyAndHealthyWhenItOpensAgain() throws Exception {
        ClusterAgent agent = resources.add(ClusterAgent.start(settings()));
        TcpServer server = resources.add(TcpServer.answering());
        ServiceEndpoint endpoint = new ServiceEndpoint("db", "127.0.0.1", server.port(), Map.of());
        agent.inventory().register(endpoint);
        agent.offer(config(1, healthCheck("db", HealthCheckSpec.newBuilder().setTcp(HealthCheckSpec.Tcp.getDefaultInstance()))));
        awaitPublished(agent, endpoint, EndpointHealth.ENDPOINT_HEALTH_HEALTHY);

        server.refuse();
        awaitPublished(agent, endpoint, EndpointHealth.ENDPOINT_HEALTH_UNHEALTHY);
        server.answer();
        awaitPublished(agent, endpoint, EndpointHealth.ENDPOINT_HEALTH_HEALTHY);
    }

    private static void awaitPublished(ClusterAgent agent, ServiceEndpoint endpoint, EndpointHealth health)
            throws InterruptedException {
        long deadline = System.nanoTime() + WITHIN.toNanos();
        while (published(agent, endpoint).getHealth() != health) {
            assertThat(System.nanoTime()).as("%s published as %s", endpoint.address(), health).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    /** The endpoint as the agent's inventory, published to the tenant's other clusters, holds it now. */
    private static InventoryEndpoint published(ClusterAgent agent, ServiceEndpoint endpoint) {
        return agent.inventory().snapshot(TENANT, CLUSTER).getServicesList().stream()
                .filter(service -> service.getName().equals(endpoint.service()))
                .flatMap(service -> service.getEndpointsList().stream())
                .filter(published -> published.getHost().equals(endpoint.host()) && published.getPort() == endpoint.port())
                .findFirst().orElseThrow();
    }

    private static HealthCheckSpec.Builder grpc(String serviceName) {
        return HealthCheckSpec.newBuilder().setGrpc(HealthCheckSpec.Grpc.newBuilder().setServiceName(serviceName));
    }

    private static Policy healthCheck(String service, HealthCheckSpec.Builder spec) {
        return Policy.newBuilder()
                .setKind("HealthCheck")
                .setName(service + "-health")
                .setTarget(Target.newBuilder().setService(ServiceSubset.newBuilder().setService(service)))
                .setHealthCheck(spec.setInterval(INTERVAL).setTimeout(TIMEOUT).setUnhealthyThreshold(2).setHealthyThreshold(1))
                .build();
    }

    private static DesiredConfig config(long revision, Policy... policies) {
        DesiredConfig.Builder config = DesiredConfig.newBuilder()
                .setTenant(TENANT)
                .setCluster(CLUSTER)
                .setRevision(revision)
                .addServices(Service.newBuilder().setName(SERVICE))
                .addServices(Service.newBuilder().setName("web"))
                .addServices(Service.newBuilder().setName("db"));
        for (Policy policy : policies) {
            config.addPolicies(policy);
        }
        return config.build();
    }

    private AgentSettings settings() throws IOException {
        return AgentSettings.builder(TENANT, CLUSTER)
                .kafkaBootstrapServers("127.0.0.1:" + closedPort())
                .configVerifier(ConfigVerifier.trusting(ConfigSigningKey.generate().publicKey()))
                .xdsPort(0)
                .stateDirectory(stateDir)
                .build();
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}

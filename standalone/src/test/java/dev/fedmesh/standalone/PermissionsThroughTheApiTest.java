package dev.fedmesh.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fedmesh.agent.ClusterAgent;
import dev.fedmesh.agent.identity.WorkloadCertificateFiles;
import dev.fedmesh.agent.trust.WorkloadSvids;
import dev.fedmesh.agent.xds.ProxylessBootstrap;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.sample.v1.GreeterGrpc;
import dev.fedmesh.sample.v1.HelloReply;
import dev.fedmesh.sample.v1.HelloRequest;
import dev.fedmesh.testing.FreePort;
import dev.fedmesh.testing.xds.ProxylessClients;
import dev.fedmesh.testing.xds.ProxylessServers;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * STRICT mTLS and a TrafficPermission applied through the REST API reach a real proxyless gRPC
 * server and its real xDS clients: REST → PostgreSQL → outbox → distributor → Kafka → agent → xDS,
 * with the workloads' SVID files written by the agent, from the intermediate the control plane
 * issued the cluster under the tenant's root. The agent's health checks of such a service pass
 * through the same mTLS and default DENY with the agent's own SVID.
 */
class PermissionsThroughTheApiTest {

    private static final String TENANT = "acme";
    private static final String CLUSTER = "east";
    private static final String TRUST_DOMAIN = "acme.fedmesh.dev";
    private static final String GREETER_SERVICE = "greeter.v1.Greeter";
    // The first SVID waits for the cluster's intermediate: a status report, the distributor, a desired config.
    private static final Duration SVID_PATIENCE = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    private StackUnderTest under;

    @AfterEach
    void stopEverything() throws Exception {
        if (under != null) {
            under.close();
        }
    }

    @Test
    void changingATrafficPermissionThroughTheApiSwapsWhoIsServedWithoutARestart() throws Exception {
        under = StackUnderTest.start(getClass(), dir.resolve("agents"));
        FedmeshStack stack = under.stack;
        ApiClient api = under.api;
        api.expectOk(api.post("/api/v1/tenants",
                "{\"name\": \"" + TENANT + "\", \"trustDomain\": \"" + TRUST_DOMAIN + "\"}"), "creating the tenant");
        ApiClient.Answer registered = api.expectOk(api.post("/api/v1/tenants/" + TENANT + "/clusters",
                "{\"name\": \"" + CLUSTER + "\"}"), "registering " + CLUSTER);
        String credential = PolicyJson.parse(registered.body()).path("bootstrapCredential").asText();
        for (String service : List.of("greeter", "frontend", "batch")) {
            api.expectOk(api.put("/api/v1/tenants/" + TENANT + "/services/" + service, "{}"), "registering " + service);
        }
        ClusterAgent agent = stack.startAgent(TENANT, CLUSTER, credential);
        apply(api, "mesh-strict", """
                {"kind": "MtlsMode", "target": {"mesh": true}, "spec": {"mode": "STRICT"}}""");
        apply(api, "zero-trust", """
                {"kind": "TrafficPermission", "target": {"mesh": true}, "spec": {"default": "DENY"}}""");
        long first = apply(api, "greeter-callers", callers("frontend"));
        Await.until(() -> agent.appliedRevision() >= first, "the agent to apply revision " + first);

        int port = FreePort.find();
        // Local workloads of east, callers too: registering them is what gives them an identity.
        WorkloadCertificateFiles greeterFiles = localWorkload(agent, "shop", "greeter", port);
        Server server = ProxylessServers.start(bootstrap(agent, "shop", "greeter", greeterFiles), port, greeter());
        under.stopAtEnd(() -> ProxylessServers.stop(server));
        ManagedChannel frontend = channel(agent, "shop", "frontend");
        ManagedChannel batch = channel(agent, "jobs", "batch");

        assertThat(call(frontend).getMessage()).startsWith("Hello");
        assertThat(GreeterCalls.statusOf(batch, "test")).isEqualTo(Status.Code.PERMISSION_DENIED);

        long answeredAt = System.nanoTime();
        long second = apply(api, "greeter-callers", callers("batch"));
        Await.until(() -> GreeterCalls.statusOf(frontend, "test") == Status.Code.PERMISSION_DENIED, "frontend to be denied");
        System.out.println("API 200 → first call refused by the changed permission: "
                + (System.nanoTime() - answeredAt) / 1_000_000 + " ms");
        assertThat(agent.appliedRevision()).isGreaterThanOrEqualTo(second);

        assertThat(call(batch).getMessage()).startsWith("Hello");
        assertThat(GreeterCalls.statusOf(frontend, "test")).isEqualTo(Status.Code.PERMISSION_DENIED);
    }

    @Test
    void theAgentHealthChecksAStrictServiceUnderADefaultDenyOverMutualTlsAndTakesASickInstanceOutOfService()
            throws Exception {
        under = StackUnderTest.start(getClass(), dir.resolve("agents"));
        ApiClient api = under.api;
        api.expectOk(api.post("/api/v1/tenants",
                "{\"name\": \"" + TENANT + "\", \"trustDomain\": \"" + TRUST_DOMAIN + "\"}"), "creating the tenant");
        String credential = PolicyJson.parse(api.expectOk(api.post("/api/v1/tenants/" + TENANT + "/clusters",
                "{\"name\": \"" + CLUSTER + "\"}"), "registering " + CLUSTER).body()).path("bootstrapCredential").asText();
        for (String service : List.of("greeter", "frontend")) {
            api.expectOk(api.put("/api/v1/tenants/" + TENANT + "/services/" + service, "{}"), "registering " + service);
        }
        ClusterAgent agent = under.stack.startAgent(TENANT, CLUSTER, credential);
        apply(api, "mesh-strict", """
                {"kind": "MtlsMode", "target": {"mesh": true}, "spec": {"mode": "STRICT"}}""");
        apply(api, "zero-trust", """
                {"kind": "TrafficPermission", "target": {"mesh": true}, "spec": {"default": "DENY"}}""");
        apply(api, "greeter-callers", callers("frontend"));
        long revision = apply(api, "greeter-health", """
                {"kind": "HealthCheck", "target": {"service": "greeter"},
                 "spec": {"interval": "1s", "timeout": "500ms", "unhealthyThreshold": 2, "grpc": {"serviceName": "%s"}}}"""
                .formatted(GREETER_SERVICE));
        Await.until(() -> agent.appliedRevision() >= revision, "the agent to apply revision " + revision);

        HealthStatusManager sickHealth = new HealthStatusManager();
        greeterInstance(agent, "healthy", new HealthStatusManager());
        greeterInstance(agent, "sick", sickHealth);
        ManagedChannel frontend = channel(agent, "shop", "frontend");
        Await.until(() -> "sick".equals(GreeterCalls.versionOrNull(frontend)), "the sick instance to answer while it serves");

        // A TCP connect would still pass: only a gRPC check, over mTLS and through the default DENY, sees this.
        sickHealth.setStatus(GREETER_SERVICE, ServingStatus.NOT_SERVING);
        GreeterCalls.awaitOnly(frontend, "healthy");

        sickHealth.setStatus(GREETER_SERVICE, ServingStatus.SERVING);
        Await.until(() -> "sick".equals(GreeterCalls.versionOrNull(frontend)), "the sick instance to get calls once it serves again");
    }

    /** A greeter instance in shop answering with {@code version}, with the standard health service, SERVING. */
    private void greeterInstance(ClusterAgent agent, String version, HealthStatusManager health) {
        int port = FreePort.find();
        WorkloadCertificateFiles files = localWorkload(agent, "shop", "greeter", port);
        Server server = ProxylessServers.start(bootstrap(agent, "shop", "greeter", files), port,
                new GreeterGrpc.GreeterImplBase() {
                    @Override
                    public void sayHello(HelloRequest request, StreamObserver<HelloReply> replies) {
                        replies.onNext(HelloReply.newBuilder().setMessage("Hello").setVersion(version).build());
                        replies.onCompleted();
                    }
                }, health.getHealthService());
        health.setStatus(GREETER_SERVICE, ServingStatus.SERVING);
        under.stopAtEnd(() -> ProxylessServers.stop(server));
    }

    private static String callers(String service) {
        return """
                {"kind": "TrafficPermission", "target": {"service": "greeter"},
                 "spec": {"rules": [{"action": "ALLOW", "sources": [{"service": "%s"}]}]}}""".formatted(service);
    }

    private static long apply(ApiClient api, String name, String json) {
        ApiClient.Answer answer = api.expectOk(api.put("/api/v1/tenants/" + TENANT + "/policies/" + name, json),
                "applying " + name);
        return Long.parseLong(answer.body().replaceAll(".*\"resourceVersion\":\"(\\d+)\".*", "$1"));
    }

    /** Registers {@code service} in {@code namespace} as a local workload; returns its SVID files once written. */
    private static WorkloadCertificateFiles localWorkload(ClusterAgent agent, String namespace, String service,
                                                          int port) {
        agent.inventory().register(new ServiceEndpoint(service, "127.0.0.1", port,
                Map.of(WorkloadSvids.NAMESPACE_LABEL, namespace)));
        WorkloadCertificateFiles files = agent.workloadFiles(namespace, service);
        Await.within(SVID_PATIENCE, () -> Files.exists(files.certificateFile()),
                "the agent to write the SVID files of " + namespace + "/" + service);
        return files;
    }

    private static Map<String, ?> bootstrap(ClusterAgent agent, String namespace, String service,
                                            WorkloadCertificateFiles files) {
        return ProxylessBootstrap.of("127.0.0.1:" + agent.xdsPort(), namespace + "/" + service, files);
    }

    /** A caller of greeter: a local workload of its own, on a port nothing listens on, since it only calls. */
    private ManagedChannel channel(ClusterAgent agent, String namespace, String service) {
        WorkloadCertificateFiles files = localWorkload(agent, namespace, service, FreePort.find());
        ManagedChannel channel = ProxylessClients.secureChannel(bootstrap(agent, namespace, service, files), "greeter");
        under.stopAtEnd(() -> ProxylessClients.close(channel));
        return channel;
    }

    private static GreeterGrpc.GreeterImplBase greeter() {
        return new GreeterGrpc.GreeterImplBase() {
            @Override
            public void sayHello(HelloRequest request, StreamObserver<HelloReply> replies) {
                replies.onNext(HelloReply.newBuilder().setMessage("Hello " + request.getName()).setCluster(CLUSTER).build());
                replies.onCompleted();
            }
        };
    }

    private static HelloReply call(ManagedChannel channel) {
        return GreeterGrpc.newBlockingStub(channel).withWaitForReady().withDeadlineAfter(20, TimeUnit.SECONDS)
                .sayHello(HelloRequest.newBuilder().setName("test").build());
    }
}

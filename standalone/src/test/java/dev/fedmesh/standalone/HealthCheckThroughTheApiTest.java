package dev.fedmesh.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fedmesh.agent.ClusterAgent;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.sample.v1.GreeterGrpc;
import dev.fedmesh.sample.v1.HelloReply;
import dev.fedmesh.sample.v1.HelloRequest;
import dev.fedmesh.testing.xds.ProxylessClients;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A HealthCheck written through the REST API of a running stack is run by the cluster's agent: a
 * real proxyless gRPC client stops calling the instance whose gRPC health service answers
 * NOT_SERVING, the inventory the agent publishes (seen in the API's failover preview) counts it
 * unhealthy, and deleting the policy gives the instance its calls back.
 */
class HealthCheckThroughTheApiTest {

    private static final String TENANT = "acme";
    private static final String CLUSTER = "east";
    private static final String SERVICE = "greeter.v1.Greeter";

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
    void anInstanceFailingTheHealthCheckWrittenThroughTheApiGetsNoCallsUntilThePolicyIsDeleted() throws Exception {
        under = StackUnderTest.start(getClass(), dir.resolve("agents"));
        ApiClient api = under.api;
        api.expectOk(api.post("/api/v1/tenants", "{\"name\": \"" + TENANT + "\"}"), "creating the tenant");
        String credential = PolicyJson.parse(api.expectOk(api.post("/api/v1/tenants/" + TENANT + "/clusters",
                "{\"name\": \"" + CLUSTER + "\"}"), "registering " + CLUSTER).body()).path("bootstrapCredential").asText();
        api.expectOk(api.put("/api/v1/tenants/" + TENANT + "/services/greeter", "{}"), "registering greeter");
        ClusterAgent agent = under.stack.startAgent(TENANT, CLUSTER, credential);
        HealthStatusManager sickHealth = new HealthStatusManager();
        Server healthy = greeter("healthy", new HealthStatusManager());
        Server sick = greeter("sick", sickHealth);
        agent.inventory().register(new ServiceEndpoint("greeter", "127.0.0.1", healthy.getPort(), Map.of()));
        agent.inventory().register(new ServiceEndpoint("greeter", "127.0.0.1", sick.getPort(), Map.of()));
        ManagedChannel channel = ProxylessClients.channel("127.0.0.1:" + agent.xdsPort(), "frontend", "greeter");
        under.stopAtEnd(() -> ProxylessClients.close(channel));

        ApiClient.Answer written = api.expectOk(api.put("/api/v1/tenants/" + TENANT + "/policies/greeter-health", """
                {"kind": "HealthCheck", "target": {"service": "greeter"},
                 "spec": {"interval": "1s", "timeout": "500ms", "unhealthyThreshold": 2, "grpc": {"serviceName": "%s"}}}"""
                .formatted(SERVICE)), "applying greeter-health");
        long revision = PolicyJson.parse(written.body()).path("resourceVersion").asLong();
        Await.until(() -> agent.appliedRevision() >= revision, "the agent to apply revision " + revision);
        Await.until(() -> "sick".equals(GreeterCalls.versionOrNull(channel)), "the sick instance to answer while it serves");

        sickHealth.setStatus(SERVICE, ServingStatus.NOT_SERVING);
        GreeterCalls.awaitOnly(channel, "healthy");
        Await.until(() -> healthyInPreview(api) == 1, () -> "the failover preview to count 1 healthy endpoint in "
                + CLUSTER + ": " + api.get(previewPath()).body());

        api.expectOk(api.delete("/api/v1/tenants/" + TENANT + "/policies/greeter-health"), "deleting greeter-health");
        Await.until(() -> "sick".equals(GreeterCalls.versionOrNull(channel)), "the sick instance to get calls once no check applies");
    }

    private static int healthyInPreview(ApiClient api) {
        JsonNode preview = PolicyJson.parse(api.get(previewPath()).body());
        for (JsonNode inventory : preview.path("inventories")) {
            if (CLUSTER.equals(inventory.path("cluster").asText())) {
                return inventory.path("endpoints").asInt() == 2 ? inventory.path("healthy").asInt() : -1;
            }
        }
        return -1;
    }

    private static String previewPath() {
        return "/api/v1/tenants/" + TENANT + "/services/greeter/failover-preview";
    }

    /** A greeter instance that answers with {@code name} as its version, with the standard health service. */
    private Server greeter(String name, HealthStatusManager health) throws IOException {
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new GreeterGrpc.GreeterImplBase() {
                    @Override
                    public void sayHello(HelloRequest request, StreamObserver<HelloReply> replies) {
                        replies.onNext(HelloReply.newBuilder().setMessage("Hello").setVersion(name).build());
                        replies.onCompleted();
                    }
                })
                .addService(health.getHealthService())
                .build()
                .start();
        health.setStatus(SERVICE, ServingStatus.SERVING);
        under.stopAtEnd(() -> server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        return server;
    }
}

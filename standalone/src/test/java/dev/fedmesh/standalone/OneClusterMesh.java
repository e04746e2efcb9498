package dev.fedmesh.standalone;

import dev.fedmesh.agent.ClusterAgent;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.testing.xds.ProxylessClients;
import io.grpc.ManagedChannel;
import java.nio.file.Path;
import java.util.Map;

/**
 * A whole fedmesh stack holding one tenant {@code acme} with one cluster {@code east}, its agent
 * and the service greeter, all registered through the REST API, for tests that apply a policy
 * through the API and watch real proxyless gRPC clients obey it. Greeter endpoints are plaintext
 * loopback servers the test registers in east's inventory; callers are plaintext xDS channels.
 */
final class OneClusterMesh implements AutoCloseable {

    static final String TENANT = "acme";
    static final String CLUSTER = "east";

    private final StackUnderTest under;
    private final ClusterAgent agent;

    private OneClusterMesh(StackUnderTest under, ClusterAgent agent) {
        this.under = under;
        this.agent = agent;
    }

    static OneClusterMesh start(Class<?> test, Path state) {
        StackUnderTest under = StackUnderTest.start(test, state);
        ApiClient api = under.api;
        api.expectOk(api.post("/api/v1/tenants", "{\"name\": \"" + TENANT + "\"}"), "creating the tenant");
        String credential = PolicyJson.parse(api.expectOk(api.post("/api/v1/tenants/" + TENANT + "/clusters",
                "{\"name\": \"" + CLUSTER + "\"}"), "registering " + CLUSTER).body()).path("bootstrapCredential").asText();
        api.expectOk(api.put("/api/v1/tenants/" + TENANT + "/services/greeter", "{}"), "registering greeter");
        return new OneClusterMesh(under, under.stack.startAgent(TENANT, CLUSTER, credential));
    }

    /** Puts the policy {@code name} through the API and waits until east's agent serves it. */
    void apply(String name, String json) {
        ApiClient.Answer answer = under.api.expectOk(
                under.api.put("/api/v1/tenants/" + TENANT + "/policies/" + name, json), "applying " + name);
        long revision = Long.parseLong(answer.body().replaceAll(".*\"resourceVersion\":\"(\\d+)\".*", "$1"));
        Await.until(() -> agent.appliedRevision() >= revision, "east's agent to apply revision " + revision);
    }

    /** Starts a greeter endpoint named {@code name} in east; it stops with the mesh. */
    ScriptedGreeter greeter(String name) {
        return greeter(name, Map.of());
    }

    /** Starts a greeter endpoint named {@code name}, labelled {@code labels}, in east; it stops with the mesh. */
    ScriptedGreeter greeter(String name, Map<String, String> labels) {
        ScriptedGreeter greeter = ScriptedGreeter.start(name);
        under.stopAtEnd(greeter);
        agent.inventory().register(new ServiceEndpoint("greeter", "127.0.0.1", greeter.port(), labels));
        return greeter;
    }

    /** A proxyless gRPC client of greeter in east, named {@code node}; closed with the mesh. */
    ManagedChannel caller(String node) {
        ManagedChannel channel = ProxylessClients.channel("127.0.0.1:" + agent.xdsPort(), node, "greeter");
        under.stopAtEnd(() -> ProxylessClients.close(channel));
        return channel;
    }

    @Override
    public void close() throws Exception {
        under.close();
    }
}

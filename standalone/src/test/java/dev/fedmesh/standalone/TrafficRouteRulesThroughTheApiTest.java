package dev.fedmesh.standalone;

import dev.fedmesh.agent.ClusterAgent;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.sample.v1.GreeterGrpc;
import dev.fedmesh.sample.v1.HelloRequest;
import dev.fedmesh.standalone.sample.GreeterServer;
import dev.fedmesh.testing.xds.ProxylessClients;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A TrafficRoute's rules, written through the REST API, decide which subset real proxyless gRPC
 * calls reach: by header and by path, first match wins, and calls no rule matches reach the whole
 * service.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrafficRouteRulesThroughTheApiTest {
    private static final String TENANT = "acme";
    private static final String CLUSTER = "east";
    private static final String POLICY = "/api/v1/tenants/" + TENANT + "/policies/greeter-rules";
    private static final Metadata.Key<String> CANARY = Metadata.Key.of("x-canary", Metadata.ASCII_STRING_MARSHALLER);
    private static final int CALLS = 50;

    @TempDir
    static Path state;

    private StackUnderTest under;
    private ClusterAgent agent;
    private ManagedChannel channel;

    @BeforeAll
    void startOneClusterWithTwoVersionsOfTheGreeter() {
        under = StackUnderTest.start(getClass(), state.resolve("agents"));
        ApiClient api = under.api;
        api.expectOk(api.post("/api/v1/tenants", "{\"name\": \"" + TENANT + "\"}"), "creating the tenant");
        String credential = PolicyJson.parse(api.expectOk(api.post("/api/v1/tenants/" + TENANT + "/clusters",
                "{\"name\": \"" + CLUSTER + "\"}"), "registering " + CLUSTER).body()).path("bootstrapCredential").asText();
        agent = under.stack.startAgent(TENANT, CLUSTER, credential);
        for (String version : List.of("v1", "v2")) {
            GreeterServer greeter = GreeterServer.start(CLUSTER, version);
            under.stopAtEnd(greeter);
            agent.inventory().register(new ServiceEndpoint("greeter", "127.0.0.1", greeter.port(), Map.of("version", version)));
        }
        channel = ProxylessClients.channel("127.0.0.1:" + agent.xdsPort(), "client-" + CLUSTER, "greeter");
    }

    @AfterAll
    void stopEverything() throws Exception {
        if (channel != null) {
            ProxylessClients.close(channel);
        }
        if (under != null) {
            under.close();
        }
    }

    @Test
    void aHeaderRuleSendsCanaryCallsToV2AndThePathRuleTheRestToV1() {
        apply("""
                {"kind": "TrafficRoute", "target": {"service": "greeter"},
                 "spec": {"rules": [
                   {"match": {"headers": [{"name": "x-canary", "exact": "true"}]},
                    "split": [{"subset": {"version": "v2"}, "weight": 100}]},
                   {"match": {"path": {"prefix": "/fedmesh.sample.v1.Greeter/"}},
                    "split": [{"subset": {"version": "v1"}, "weight": 100}]}]}}""",
                () -> allServedBy("true", "v2") && allServedBy(null, "v1"));

        assertThat(versions(null)).as("calls without the header").containsOnlyKeys("v1").containsEntry("v1", CALLS);
        assertThat(versions("true")).as("calls with x-canary: true").containsOnlyKeys("v2").containsEntry("v2", CALLS);
        assertThat(versions("false")).as("calls with another x-canary value").containsOnlyKeys("v1");
    }

    @Test
    void callsNoRuleMatchesReachTheWholeService() {
        apply("""
                {"kind": "TrafficRoute", "target": {"service": "greeter"},
                 "spec": {"rules": [
                   {"match": {"path": {"exact": "/fedmesh.sample.v1.Greeter/SayGoodbye"}},
                    "split": [{"subset": {"version": "v2"}, "weight": 100}]},
                   {"match": {"headers": [{"name": "x-canary", "present": true}]},
                    "split": [{"subset": {"version": "v1"}, "weight": 100}]}]}}""",
                () -> allServedBy("yes", "v1") && versions(null).containsKey("v2"));

        assertThat(versions("yes")).as("calls the header rule matches").containsOnlyKeys("v1");
        assertThat(versions(null)).as("calls no rule matches, round robin over the whole service")
                .containsEntry("v1", CALLS / 2).containsEntry("v2", CALLS / 2);
    }

    /**
     * gRPC keeps the HTTP method out of the headers its routes match, so a rule with a
     * {@code method} never matches a proxyless call, not even {@code POST}, which every gRPC
     * call is; the API warns about it.
     */
    @Test
    void aMethodRuleNeverMatchesAProxylessCall() {
        apply("""
                {"kind": "TrafficRoute", "target": {"service": "greeter"},
                 "spec": {"rules": [
                   {"match": {"method": "POST", "headers": [{"name": "x-canary", "exact": "post"}]},
                    "split": [{"subset": {"version": "v2"}, "weight": 100}]},
                   {"match": {"headers": [{"name": "x-canary", "exact": "marker"}]},
                    "split": [{"subset": {"version": "v2"}, "weight": 100}]}]}}""",
                () -> allServedBy("marker", "v2"));

        assertThat(versions("post")).as("POST calls a POST rule would take, sent by the default route instead")
                .containsEntry("v1", CALLS / 2).containsEntry("v2", CALLS / 2);
    }

    /**
     * Applies the route, waits until the agent has applied it and until the client shows
     * {@code served}: a behaviour only the new routes have.
     */
    private void apply(String policy, BooleanSupplier served) {
        ApiClient.Answer answer = under.api.expectOk(under.api.put(POLICY, policy), "applying the route");
        long revision = Long.parseLong(answer.body().replaceAll(".*\"resourceVersion\":\"(\\d+)\".*", "$1"));
        Await.until(() -> agent.appliedRevision() >= revision, CLUSTER + " to apply revision " + revision);
        Await.until(served, () -> "the client to call by the routes of revision " + revision + "; now, without x-canary: "
                + versions(null) + ", with x-canary: yes: " + versions("yes"));
    }

    /**
     * Whether {@value #CALLS} calls in a row carrying {@code canary} were all answered by {@code version}:
     * round robin over both versions, which the routes before a change may send them to, never does that.
     */
    private boolean allServedBy(String canary, String version) {
        return versions(canary).getOrDefault(version, 0) == CALLS;
    }

    private Map<String, Integer> versions(String canary) {
        Map<String, Integer> counts = new TreeMap<>();
        for (int i = 0; i < CALLS; i++) {
            counts.merge(String.valueOf(version(canary)), 1, Integer::sum);
        }
        return counts;
    }

    /** The version of the greeter that answered one call, or null when the call failed. */
    private String version(String canary) {
        GreeterGrpc.GreeterBlockingStub greeter = GreeterGrpc.newBlockingStub(channel).withWaitForReady();
        if (canary != null) {
            Metadata headers = new Metadata();
            headers.put(CANARY, canary);
            greeter = greeter.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
        }
        try {
            return greeter.withDeadlineAfter(10, TimeUnit.SECONDS)
                    .sayHello(HelloRequest.newBuilder().setName("rules").build()).getVersion();
        } catch (StatusRuntimeException failed) {
            return null;
        }
    }
}

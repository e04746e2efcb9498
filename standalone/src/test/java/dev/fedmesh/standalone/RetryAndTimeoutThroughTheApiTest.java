package dev.fedmesh.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fedmesh.agent.ClusterAgent;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.sample.v1.GreeterGrpc;
import dev.fedmesh.sample.v1.HelloRequest;
import dev.fedmesh.testing.xds.ProxylessClients;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retry and Timeout policies written through the REST API take effect in real proxyless gRPC
 * clients: REST → PostgreSQL → outbox → distributor → Kafka → agent → xDS → grpc-java's xDS
 * resolver, which turns the route's {@code retry_policy} and {@code max_stream_duration} into the
 * call's retries and deadline. The backends are plain gRPC servers that count the tries they see.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RetryAndTimeoutThroughTheApiTest {

    private static final String TENANT = "acme";
    private static final String CLUSTER = "east";
    /** Two retries on UNAVAILABLE: three tries in all. */
    private static final int GREETER_ATTEMPTS = 2;
    /** More retries than gRPC makes: it caps a call at five tries unless the application raises it. */
    private static final int CAPPED_ATTEMPTS = 6;
    private static final int GRPC_MAX_TRIES = 5;
    private static final Duration REQUEST = Duration.ofSeconds(3);
    private static final Duration CALLER_DEADLINE = Duration.ofSeconds(20);

    @TempDir
    static Path dir;

    private StackUnderTest under;
    private final Map<String, TryCountingGreeter> backends = new TreeMap<>();
    private final Map<String, ManagedChannel> channels = new TreeMap<>();

    @BeforeAll
    void startTheStackWithRetriesAndATimeoutAppliedThroughTheApi() {
        under = StackUnderTest.start(getClass(), dir.resolve("agents"));
        ApiClient api = under.api;
        api.expectOk(api.post("/api/v1/tenants", "{\"name\": \"" + TENANT + "\"}"), "creating the tenant");
        String credential = PolicyJson.parse(api.expectOk(api.post("/api/v1/tenants/" + TENANT + "/clusters",
                "{\"name\": \"" + CLUSTER + "\"}"), "registering " + CLUSTER).body()).path("bootstrapCredential").asText();
        ClusterAgent agent = under.stack.startAgent(TENANT, CLUSTER, credential);
        for (String service : new String[] {"greeter", "capped", "ledger"}) {
            api.expectOk(api.put("/api/v1/tenants/" + TENANT + "/services/" + service, "{}"), "registering " + service);
            TryCountingGreeter backend = TryCountingGreeter.start();
            under.stopAtEnd(backend);
            backends.put(service, backend);
            agent.inventory().register(new ServiceEndpoint(service, "127.0.0.1", backend.port(), Map.of()));
        }
        apply(api, "greeter-retries", """
                {"kind": "Retry", "target": {"service": "greeter"},
                 "spec": {"attempts": %d, "retryOn": ["unavailable"], "backoff": {"base": "10ms", "max": "50ms"}}}"""
                .formatted(GREETER_ATTEMPTS));
        apply(api, "capped-retries", """
                {"kind": "Retry", "target": {"service": "capped"},
                 "spec": {"attempts": %d, "retryOn": ["unavailable"], "backoff": {"base": "10ms", "max": "50ms"}}}"""
                .formatted(CAPPED_ATTEMPTS));
        long last = apply(api, "ledger-timeouts", """
                {"kind": "Timeout", "target": {"service": "ledger"},
                 "spec": {"connect": "2s", "request": "%ds", "idle": "1h"}}""".formatted(REQUEST.toSeconds()));
        Await.until(() -> agent.appliedRevision() >= last, "the agent to apply revision " + last);

        for (String service : backends.keySet()) {
            ManagedChannel channel = ProxylessClients.channel("127.0.0.1:" + agent.xdsPort(), "shop/frontend", service);
            under.stopAtEnd(() -> ProxylessClients.close(channel));
            channels.put(service, channel);
            // The first call waits for the xDS answers, so later calls are timed from a resolved channel.
            assertThat(statusOf(service, unique("warm"), CALLER_DEADLINE)).isEqualTo(Status.Code.OK);
        }
    }

    @AfterAll
    void stopEverything() throws Exception {
        if (under != null) {
            under.close();
        }
    }

    @Test
    void aCallThatFailsTwiceWithUnavailableIsOneSuccessToTheCallerAfterThreeTries() {
        String name = unique("fail-twice");

        assertThat(statusOf("greeter", name, CALLER_DEADLINE)).isEqualTo(Status.Code.OK);
        assertThat(backends.get("greeter").triesOf(name)).isEqualTo(3);
    }

    @Test
    void aStatusTheRetryDoesNotNameIsNotRetried() {
        String invalid = unique("invalid");
        String exhausted = unique("exhausted");

        assertThat(statusOf("greeter", invalid, CALLER_DEADLINE)).isEqualTo(Status.Code.INVALID_ARGUMENT);
        // RESOURCE_EXHAUSTED is a condition gRPC can retry on, but this Retry names only unavailable.
        assertThat(statusOf("greeter", exhausted, CALLER_DEADLINE)).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(backends.get("greeter").triesOf(invalid)).isEqualTo(1);
        assertThat(backends.get("greeter").triesOf(exhausted)).isEqualTo(1);
    }

    @Test
    void aBackendThatAlwaysFailsSeesAttemptsPlusOneTriesAndGrpcStopsAtFiveInAll() {
        String withinTheCap = unique("unavailable");
        String overTheCap = unique("unavailable");

        assertThat(statusOf("greeter", withinTheCap, CALLER_DEADLINE)).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(statusOf("capped", overTheCap, CALLER_DEADLINE)).isEqualTo(Status.Code.UNAVAILABLE);

        assertThat(backends.get("greeter").triesOf(withinTheCap)).isEqualTo(GREETER_ATTEMPTS + 1);
        assertThat(backends.get("capped").triesOf(overTheCap))
                .as("attempts %d asks for %d tries; grpc-java's channel allows %d", CAPPED_ATTEMPTS, CAPPED_ATTEMPTS + 1,
                        GRPC_MAX_TRIES)
                .isEqualTo(GRPC_MAX_TRIES);
    }

    @Test
    void aCallSlowerThanTheRequestTimeoutEndsWithDeadlineExceededAtTheTimeout() {
        String name = unique("slow");
        long started = System.nanoTime();

        Status.Code status = statusOf("ledger", name, CALLER_DEADLINE);
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(status).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        // Bounds on which limit ended the call, not on speed: the deadline cannot fire before the
        // policy's 3 s, and the caller's own 20 s deadline or the backend's answer at 30 s would
        // have ended it later, so only the Timeout can have ended it in between.
        assertThat(took).isGreaterThanOrEqualTo(REQUEST).isLessThan(CALLER_DEADLINE);
        assertThat(backends.get("ledger").triesOf(name)).isEqualTo(1);
    }

    @Test
    void aCallersShorterDeadlineStillWinsOverTheRequestTimeout() {
        Duration callerDeadline = Duration.ofMillis(300);
        long started = System.nanoTime();

        Status.Code status = statusOf("ledger", unique("slow"), callerDeadline);
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(status).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        // The caller's 300 ms deadline ended it: the Timeout alone would have let it run for 3 s.
        assertThat(took).isGreaterThanOrEqualTo(callerDeadline).isLessThan(REQUEST);
    }

    private Status.Code statusOf(String service, String name, Duration deadline) {
        try {
            GreeterGrpc.newBlockingStub(channels.get(service))
                    .withWaitForReady()
                    .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
                    .sayHello(HelloRequest.newBuilder().setName(name).build());
            return Status.Code.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        }
    }

    private static String unique(String script) {
        return script + "-" + UUID.randomUUID().toString().replace("-", "");
    }

    private static long apply(ApiClient api, String name, String json) {
        ApiClient.Answer answer = api.expectOk(api.put("/api/v1/tenants/" + TENANT + "/policies/" + name, json),
                "applying " + name);
        return Long.parseLong(answer.body().replaceAll(".*\"resourceVersion\":\"(\\d+)\".*", "$1"));
    }
}

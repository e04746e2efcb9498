package dev.fedmesh.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fedmesh.sample.v1.GreeterGrpc;
import dev.fedmesh.sample.v1.HelloReply;
import dev.fedmesh.sample.v1.HelloRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CircuitBreaker put through the REST API, obeyed by a real proxyless gRPC client of the agent
 * (grpc-java's xDS cluster_impl and outlier_detection balancers): REST → PostgreSQL → outbox →
 * distributor → Kafka → agent → xDS.
 */
class CircuitBreakerThroughTheApiTest {

    private static final Duration BASE_EJECTION = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private OneClusterMesh mesh;

    @AfterEach
    void stopEverything() throws Exception {
        if (mesh != null) {
            mesh.close();
        }
    }

    @Test
    void callsBeyondMaxRequestsFailAtOnceWithUnavailableWithoutReachingTheServer() throws Exception {
        mesh = OneClusterMesh.start(getClass(), dir);
        ScriptedGreeter greeter = mesh.greeter("a");
        mesh.apply("greeter-limits", """
                {"kind": "CircuitBreaker", "target": {"service": "greeter"}, "spec": {"maxRequests": 3}}""");
        ManagedChannel caller = mesh.caller("client-east");
        assertThat(call(caller, "warm-up")).isEqualTo(Status.Code.OK);

        greeter.holdAll();
        List<Future<HelloReply>> held = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            held.add(GreeterGrpc.newFutureStub(caller).withWaitForReady().withDeadlineAfter(60, TimeUnit.SECONDS)
                    .sayHello(HelloRequest.newBuilder().setName("held-" + i).build()));
        }
        Await.until(() -> greeter.received() == 4, "the three held calls to reach the greeter");

        List<StatusRuntimeException> refused = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            refused.add(refusal(caller, "beyond-" + i));
        }

        // Each refusal came back while the three calls were still held open by the greeter: the
        // client did not wait for a free slot, and the greeter never saw the call.
        assertThat(held).noneMatch(Future::isDone);
        assertThat(greeter.received()).isEqualTo(4);
        assertThat(refused).allSatisfy(e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(e.getStatus().getDescription()).contains("max concurrent requests limit of 3 exceeded");
        });

        greeter.releaseHeld();
        for (Future<HelloReply> call : held) {
            assertThat(call.get(30, TimeUnit.SECONDS).getMessage()).isEqualTo("a");
        }
        assertThat(call(caller, "after-release")).isEqualTo(Status.Code.OK);
    }

    @Test
    void aFailingEndpointIsEjectedGetsNoCallsAndReturnsAfterTheEjectionTime() {
        mesh = OneClusterMesh.start(getClass(), dir);
        ScriptedGreeter good1 = mesh.greeter("good-1");
        ScriptedGreeter good2 = mesh.greeter("good-2");
        ScriptedGreeter failing = mesh.greeter("failing");
        failing.failAll(Status.Code.INTERNAL);
        mesh.apply("greeter-ejection", """
                {"kind": "CircuitBreaker", "target": {"service": "greeter"},
                 "spec": {"outlierDetection": {"interval": "1s", "baseEjectionTime": "%ds", "maxEjectionPercent": 50,
                          "failurePercentage": {"threshold": 50, "minimumHosts": 3, "requestVolume": 5}}}}"""
                .formatted(BASE_EJECTION.toSeconds()));
        ManagedChannel caller = mesh.caller("client-east");

        // Round robin sends every third call to the failing endpoint while it is in the pool, so
        // 30 answered calls in a row mean it is out.
        int[] streak = {0};
        int[] calls = {0};
        Await.until(() -> {
            calls[0]++;
            streak[0] = call(caller, "call-" + calls[0]) == Status.Code.OK ? streak[0] + 1 : 0;
            return streak[0] >= 30;
        }, () -> "30 answered calls in a row after " + calls[0] + " calls");
        long lastCallBeforeEjection = failing.lastArrivalNanos();
        int failingCalls = failing.received();

        for (int i = 0; i < 30; i++) {
            assertThat(call(caller, "while-ejected-" + i)).isEqualTo(Status.Code.OK);
        }
        assertThat(failing.received()).as("calls the ejected endpoint got").isEqualTo(failingCalls);
        assertThat(good1.received()).isPositive();
        assertThat(good2.received()).isPositive();

        failing.answerAll();
        Await.until(() -> {
            call(caller, "probe");
            return failing.received() > failingCalls;
        }, "the ejected endpoint to get calls again");
        Duration out = Duration.ofNanos(failing.lastArrivalNanos() - lastCallBeforeEjection);
        // It is ejected at a sweep after its last call and let back at the first sweep a base
        // ejection time later; the second of slack covers a call that was on the wire at the sweep.
        assertThat(out).as("time between its last call before ejection and its first after")
                .isGreaterThanOrEqualTo(BASE_EJECTION.minusSeconds(1));
    }

    private static Status.Code call(ManagedChannel channel, String name) {
        try {
            GreeterGrpc.newBlockingStub(channel).withWaitForReady().withDeadlineAfter(20, TimeUnit.SECONDS)
                    .sayHello(HelloRequest.newBuilder().setName(name).build());
            return Status.Code.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        }
    }

    private static StatusRuntimeException refusal(ManagedChannel channel, String name) {
        try {
            GreeterGrpc.newBlockingStub(channel).withWaitForReady().withDeadlineAfter(30, TimeUnit.SECONDS)
                    .sayHello(HelloRequest.newBuilder().setName(name).build());
        } catch (StatusRuntimeException e) {
            return e;
        }
        throw new AssertionError("the call " + name + " beyond the limit was answered");
    }
}

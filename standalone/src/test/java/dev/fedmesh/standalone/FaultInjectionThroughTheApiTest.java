package dev.fedmesh.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.ListenableFuture;
import dev.fedmesh.sample.v1.GreeterGrpc;
import dev.fedmesh.sample.v1.HelloReply;
import dev.fedmesh.sample.v1.HelloRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A FaultInjection put through the REST API, obeyed by a real proxyless gRPC client of the agent
 * (grpc-java's fault filter, gRFC A33): REST → PostgreSQL → outbox → distributor → Kafka → agent → xDS.
 *
 * <p>Shares are checked with bounds that fail by chance with probability below 1e-9. For n
 * independent calls each hit with probability p, Hoeffding's inequality gives
 * P(|hits/n − p| ≥ t) ≤ 2·exp(−2·n·t²). With k shares checked on the same calls, a union bound keeps
 * the total below 1e-9 when 2·k·exp(−2·n·t²) ≤ 1e-9, that is t = √(ln(2·k·1e9) / (2·n)): for n = 1000
 * and k = 2, t ≈ 0.105. The bounds still tell the configured shares from no fault, every call hit,
 * or a share read per ten thousand instead of per hundred.
 */
class FaultInjectionThroughTheApiTest {

    private static final Duration DELAY = Duration.ofSeconds(3);
    private static final double DELAYED = 0.30;
    private static final double ABORTED = 0.20;
    private static final int CALLS = 1000;
    private static final int AT_ONCE = 100;
    private static final double FALSE_FAILURE = 1e-9;

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
    void delayedAndAbortedSharesMatchThePolicyAndAbortedCallsCarryItsStatus() throws Exception {
        mesh = OneClusterMesh.start(getClass(), dir);
        ScriptedGreeter greeter = mesh.greeter("a");
        mesh.apply("greeter-chaos", """
                {"kind": "FaultInjection", "target": {"service": "greeter"},
                 "spec": {"delay": {"duration": "%ds", "percentage": %d},
                          "abort": {"grpcStatus": "RESOURCE_EXHAUSTED", "percentage": %d}}}"""
                .formatted(DELAY.toSeconds(), Math.round(DELAYED * 100), Math.round(ABORTED * 100)));
        ManagedChannel caller = mesh.caller("client-east");
        Await.until(() -> outcome(call(caller, "until-aborted", Duration.ofSeconds(20))) == Outcome.ABORTED,
                "the client to abort a call as the policy says");

        // A deadline just short of the delay: a delayed call is still held back when it passes, and
        // grpc-java ends it DEADLINE_EXCEEDED "after up to … of fault-injected delay", a mark no
        // other call gets however slow the machine is.
        Duration deadline = DELAY.multipliedBy(9).dividedBy(10);
        int delayed = 0;
        int aborted = 0;
        for (int batch = 0; batch < CALLS / AT_ONCE; batch++) {
            List<ListenableFuture<HelloReply>> calls = new ArrayList<>();
            for (int i = 0; i < AT_ONCE; i++) {
                calls.add(call(caller, "call-" + batch + "-" + i, deadline));
            }
            for (int i = 0; i < AT_ONCE; i++) {
                Outcome outcome = outcome(calls.get(i));
                String name = "call-" + batch + "-" + i;
                if (outcome == Outcome.DELAYED || outcome == Outcome.ABORTED) {
                    assertThat(greeter.arrivalNanosOf(name)).as("%s, %s, reaching the greeter", name, outcome).isNull();
                }
                delayed += outcome == Outcome.DELAYED ? 1 : 0;
                aborted += outcome == Outcome.ABORTED ? 1 : 0;
            }
        }

        double bound = Math.sqrt(Math.log(2 * 2 / FALSE_FAILURE) / (2.0 * CALLS));
        // A call both delayed and aborted is held first, so it ends at its deadline as delayed.
        assertThat((double) delayed / CALLS).as("delayed share of %d calls", CALLS)
                .isBetween(DELAYED - bound, DELAYED + bound);
        assertThat((double) aborted / CALLS).as("aborted share of %d calls", CALLS)
                .isBetween(ABORTED * (1 - DELAYED) - bound, ABORTED * (1 - DELAYED) + bound);
    }

    @Test
    void delayedCallsReachTheServerNoSoonerThanTheDelay() throws Exception {
        mesh = OneClusterMesh.start(getClass(), dir);
        ScriptedGreeter greeter = mesh.greeter("a");
        mesh.apply("greeter-delay", """
                {"kind": "FaultInjection", "target": {"service": "greeter"},
                 "spec": {"delay": {"duration": "%ds", "percentage": %d}}}"""
                .formatted(DELAY.toSeconds(), Math.round(DELAYED * 100)));
        ManagedChannel caller = mesh.caller("client-east");
        Await.until(() -> outcome(call(caller, "until-served", Duration.ofSeconds(20))) == Outcome.ANSWERED,
                "the client to be served");

        // 60 calls at once: none held back has chance 0.7^60 ≈ 5e-10.
        int calls = 60;
        long[] started = new long[calls];
        List<ListenableFuture<HelloReply>> futures = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            started[i] = System.nanoTime();
            futures.add(call(caller, "call-" + i, Duration.ofSeconds(60)));
        }
        List<Duration> heldBack = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            assertThat(outcome(futures.get(i))).isEqualTo(Outcome.ANSWERED);
            heldBack.add(Duration.ofNanos(greeter.arrivalNanosOf("call-" + i) - started[i]));
        }

        // The delay is spent in the client before the call is sent: the calls it held reach the
        // greeter a whole delay after they were made.
        assertThat(heldBack).filteredOn(wait -> wait.compareTo(DELAY) >= 0).isNotEmpty();
    }

    @Test
    void anHttpStatusAbortReachesAGrpcCallerAsTheGrpcStatusItMapsTo() {
        mesh = OneClusterMesh.start(getClass(), dir);
        ScriptedGreeter greeter = mesh.greeter("a");
        mesh.apply("greeter-unavailable", """
                {"kind": "FaultInjection", "target": {"service": "greeter"},
                 "spec": {"abort": {"httpStatus": 503, "percentage": 100}}}""");
        ManagedChannel caller = mesh.caller("client-east");

        Status.Code code = GreeterCalls.statusOf(caller, "caller");

        assertThat(code).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(greeter.received()).isZero();
    }

    /**
     * A fault for subset v2 disturbs the calls a route sends to v2, and none of those it sends to
     * v1. Of n = 400 calls split evenly, the aborted share lies within t = √(ln(2e9) / (2n)) ≈ 0.16
     * of one half but for a chance below 1e-9.
     */
    @Test
    void aSubsetsFaultDisturbsTheCallsARouteSendsToThatSubsetAndNoOthers() throws Exception {
        mesh = OneClusterMesh.start(getClass(), dir);
        ScriptedGreeter v1 = mesh.greeter("v1", Map.of("version", "v1"));
        ScriptedGreeter v2 = mesh.greeter("v2", Map.of("version", "v2"));
        mesh.apply("greeter-split", """
                {"kind": "TrafficRoute", "target": {"service": "greeter"},
                 "spec": {"split": [{"subset": {"version": "v1"}, "weight": 50},
                                    {"subset": {"version": "v2"}, "weight": 50}]}}""");
        mesh.apply("greeter-v2-down", """
                {"kind": "FaultInjection", "target": {"service": "greeter", "subset": {"version": "v2"}},
                 "spec": {"abort": {"grpcStatus": "RESOURCE_EXHAUSTED", "percentage": 100}}}""");
        ManagedChannel caller = mesh.caller("client-east");
        Await.until(() -> outcome(call(caller, "until-aborted", Duration.ofSeconds(20))) == Outcome.ABORTED,
                "the client to abort a call the route sends to v2");

        int v1Before = v1.received();
        int v2Before = v2.received();
        int calls = 400;
        int aborted = 0;
        int answered = 0;
        for (int i = 0; i < calls; i++) {
            Outcome outcome = outcome(call(caller, "call-" + i, Duration.ofSeconds(20)));
            aborted += outcome == Outcome.ABORTED ? 1 : 0;
            answered += outcome == Outcome.ANSWERED ? 1 : 0;
        }

        assertThat(answered + aborted).as("every call answered or aborted").isEqualTo(calls);
        assertThat(v2.received() - v2Before).as("calls reaching v2").isZero();
        assertThat(v1.received() - v1Before).as("calls reaching v1, all answered").isEqualTo(answered);
        double bound = Math.sqrt(Math.log(2 / FALSE_FAILURE) / (2.0 * calls));
        assertThat((double) aborted / calls).as("aborted share of %d calls", calls).isBetween(0.5 - bound, 0.5 + bound);
    }

    private enum Outcome { ANSWERED, DELAYED, ABORTED, OTHER }

    private static ListenableFuture<HelloReply> call(ManagedChannel channel, String name, Duration deadline) {
        return GreeterGrpc.newFutureStub(channel).withWaitForReady()
                .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
                .sayHello(HelloRequest.newBuilder().setName(name).build());
    }

    private static Outcome outcome(ListenableFuture<HelloReply> call) {
        try {
            call.get(90, TimeUnit.SECONDS);
            return Outcome.ANSWERED;
        } catch (ExecutionException e) {
            Status status = Status.fromThrowable(e.getCause());
            String description = String.valueOf(status.getDescription());
            if (status.getCode() == Status.Code.DEADLINE_EXCEEDED && description.contains("fault-injected delay")) {
                return Outcome.DELAYED;
            }
            if (status.getCode() == Status.Code.RESOURCE_EXHAUSTED && description.startsWith("RPC terminated due to fault injection")) {
                return Outcome.ABORTED;
            }
            return Outcome.OTHER;
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError("a call did not end", e);
        }
    }
}

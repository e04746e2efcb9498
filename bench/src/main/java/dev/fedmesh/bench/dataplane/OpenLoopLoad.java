package dev.fedmesh.bench.dataplane;

import dev.fedmesh.sample.v1.GreeterGrpc;
import dev.fedmesh.sample.v1.HelloReply;
import dev.fedmesh.sample.v1.HelloRequest;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Calls the greeter at a constant rate whatever the answers do (open loop): call i is due at
 * {@code start + i / rate}, and its latency is counted from that due time, not from when it was
 * actually sent, so a stall of the sender or the machine shows in the latencies instead of
 * silently thinning the load (coordinated omission).
 */
final class OpenLoopLoad {
    private static final HelloRequest HELLO = HelloRequest.newBuilder().setName("bench").build();
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    private final int callsPerSecond;

    OpenLoopLoad(int callsPerSecond) {
        if (callsPerSecond <= 0) {
            throw new IllegalArgumentException("the rate must be at least 1 call per second, not " + callsPerSecond);
        }
        this.callsPerSecond = callsPerSecond;
    }

    /** Calls through {@code channel} for {@code duration}; returns once every call has been answered or failed. */
    CallLatencies run(Channel channel, Duration duration) throws InterruptedException {
        int calls = (int) (duration.toNanos() * callsPerSecond / 1_000_000_000L);
        long periodNanos = 1_000_000_000L / callsPerSecond;
        long[] latencies = new long[calls];
        boolean[] failed = new boolean[calls];
        Map<Status.Code, Integer> failures = new TreeMap<>();
        CountDownLatch answered = new CountDownLatch(calls);
        GreeterGrpc.GreeterStub greeter = GreeterGrpc.newStub(channel);
        long start = System.nanoTime() + periodNanos;
        long lateSends = 0;
        for (int i = 0; i < calls; i++) {
            long due = start + i * periodNanos;
            long now;
            while ((now = System.nanoTime()) < due) {
                LockSupport.parkNanos(due - now);
            }
            if (now - due > periodNanos) {
                lateSends++;
            }
            int call = i;
            greeter.withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS).sayHello(HELLO, new StreamObserver<>() {
                @Override
                public void onNext(HelloReply reply) {
                }

                @Override
                public void onError(Throwable error) {
                    latencies[call] = System.nanoTime() - due;
                    failed[call] = true;
                    synchronized (failures) {
                        failures.merge(Status.fromThrowable(error).getCode(), 1, Integer::sum);
                    }
                    answered.countDown();
                }

                @Override
                public void onCompleted() {
                    latencies[call] = System.nanoTime() - due;
                    answered.countDown();
                }
            });
        }
        if (!answered.await(DEADLINE.toSeconds() + 5, TimeUnit.SECONDS)) {
            throw new IllegalStateException(answered.getCount() + " of " + calls + " calls neither answered nor failed"
                    + " within their " + DEADLINE.toSeconds() + " s deadline");
        }
        synchronized (failures) {
            return CallLatencies.of(latencies, failed, failures, lateSends);
        }
    }
}

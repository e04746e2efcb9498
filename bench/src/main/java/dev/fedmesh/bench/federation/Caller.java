package dev.fedmesh.bench.federation;

import dev.fedmesh.sample.v1.GreeterGrpc;
import dev.fedmesh.sample.v1.HelloReply;
import dev.fedmesh.sample.v1.HelloRequest;
import dev.fedmesh.testing.xds.ProxylessClients;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A real proxyless gRPC client in one cluster calling the greeter without pause (one call at a time,
 * a millisecond apart), noting for every call when it ended and which cluster served it, or that it
 * failed.
 */
final class Caller implements AutoCloseable {

    /** One call: when it ended (System.nanoTime()) and the cluster that answered, or null when it failed. */
    record Call(long nanos, String servedBy) {
    }

    private static final HelloRequest HELLO = HelloRequest.newBuilder().setName("bench").build();
    private static final long PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final ManagedChannel channel;
    private final GreeterGrpc.GreeterBlockingStub greeter;
    private final List<Call> calls = new ArrayList<>();
    private final Thread thread;
    private volatile boolean closed;

    Caller(String cluster, int xdsPort) {
        this.channel = ProxylessClients.channel("127.0.0.1:" + xdsPort, "bench-caller-" + cluster, "greeter");
        this.greeter = GreeterGrpc.newBlockingStub(channel);
        // The first call resolves the service through the agent: it may wait for the client's xDS.
        greeter.withWaitForReady().withDeadlineAfter(60, TimeUnit.SECONDS).sayHello(HELLO);
        this.thread = new Thread(this::run, "bench-caller-" + cluster);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void run() {
        while (!closed) {
            String servedBy;
            try {
                HelloReply reply = greeter.withDeadlineAfter(1, TimeUnit.SECONDS).sayHello(HELLO);
                servedBy = reply.getCluster();
            } catch (StatusRuntimeException e) {
                servedBy = null;
            }
            long now = System.nanoTime();
            synchronized (this) {
                calls.add(new Call(now, servedBy));
            }
            LockSupport.parkNanos(PAUSE_NANOS);
        }
    }

    /** The calls that ended after {@code sinceNanos}, in order. */
    synchronized List<Call> since(long sinceNanos) {
        List<Call> after = new ArrayList<>();
        for (int i = calls.size() - 1; i >= 0 && calls.get(i).nanos() - sinceNanos > 0; i--) {
            after.add(0, calls.get(i));
        }
        return after;
    }

    /** Whether the last {@code count} calls after {@code sinceNanos} were all served by {@code cluster}. */
    boolean lastServedBy(long sinceNanos, int count, String cluster) {
        List<Call> after = since(sinceNanos);
        if (after.size() < count) {
            return false;
        }
        return after.subList(after.size() - count, after.size()).stream()
                .allMatch(call -> cluster.equals(call.servedBy()));
    }

    /** Forgets the calls before {@code nanos}, keeping memory flat over many trials. */
    synchronized void forgetBefore(long nanos) {
        calls.removeIf(call -> nanos - call.nanos() > 0);
    }

    @Override
    public void close() {
        closed = true;
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ProxylessClients.close(channel);
    }
}

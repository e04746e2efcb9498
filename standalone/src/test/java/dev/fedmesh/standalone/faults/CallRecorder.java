package dev.fedmesh.standalone.faults;

import dev.fedmesh.sample.v1.GreeterGrpc;
import dev.fedmesh.sample.v1.HelloReply;
import dev.fedmesh.sample.v1.HelloRequest;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Calls greeter through one proxyless client without pause, one call at a time, and records which
 * cluster answered each call (or that it failed), with the time it ended: what a fault test reads
 * to tell when traffic moved and how many calls it cost.
 */
final class CallRecorder implements AutoCloseable {
    static final String FAILED = "failed";

    /** One call: when it ended ({@link System#nanoTime()}) and the cluster that answered, or {@link #FAILED}. */
    record Call(long endedNanos, String servedBy) {
    }

    private final ManagedChannel channel;
    private final List<Call> calls = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    CallRecorder(String name, ManagedChannel channel) {
        this.channel = channel;
        this.thread = new Thread(this::run, "calls-" + name);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void run() {
        GreeterGrpc.GreeterBlockingStub greeter = GreeterGrpc.newBlockingStub(channel);
        while (running) {
            String servedBy;
            try {
                HelloReply reply = greeter.withDeadlineAfter(1, TimeUnit.SECONDS)
                        .sayHello(HelloRequest.newBuilder().setName("failover").build());
                servedBy = reply.getCluster();
            } catch (StatusRuntimeException e) {
                servedBy = FAILED;
            }
            synchronized (calls) {
                calls.add(new Call(System.nanoTime(), servedBy));
            }
            if (servedBy.equals(FAILED)) {
                // A failed call can be immediate (no endpoint): don't spin.
                sleep(5);
            }
        }
    }

    /** Every call that ended after {@code sinceNanos}. */
    List<Call> since(long sinceNanos) {
        synchronized (calls) {
            return calls.stream().filter(call -> call.endedNanos() > sinceNanos).toList();
        }
    }

    /** Calls that ended after {@code sinceNanos}, counted by who served them. */
    Map<String, Integer> countsSince(long sinceNanos) {
        Map<String, Integer> counts = new TreeMap<>();
        since(sinceNanos).forEach(call -> counts.merge(call.servedBy(), 1, Integer::sum));
        return counts;
    }

    /** Whether the last {@code n} calls after {@code sinceNanos} were all served by {@code cluster}. */
    boolean lastServedBy(long sinceNanos, int n, String cluster) {
        List<Call> recent = since(sinceNanos);
        if (recent.size() < n) {
            return false;
        }
        return recent.subList(recent.size() - n, recent.size()).stream().allMatch(call -> call.servedBy().equals(cluster));
    }

    /**
     * Reading after a fault at {@code faultNanos}: the time until the first call of the run of calls
     * served by {@code to} that lasts to the end, and the calls that failed in between.
     */
    Switch switchTo(long faultNanos, String to) {
        List<Call> after = since(faultNanos);
        int firstOfLastRun = after.size();
        while (firstOfLastRun > 0 && after.get(firstOfLastRun - 1).servedBy().equals(to)) {
            firstOfLastRun--;
        }
        if (firstOfLastRun == after.size()) {
            return new Switch(-1, (int) after.stream().filter(call -> call.servedBy().equals(FAILED)).count(), after.size());
        }
        long millis = (after.get(firstOfLastRun).endedNanos() - faultNanos) / 1_000_000;
        int failed = (int) after.subList(0, firstOfLastRun).stream().filter(call -> call.servedBy().equals(FAILED)).count();
        return new Switch(millis, failed, firstOfLastRun);
    }

    /** When traffic settled on the new cluster (-1: it has not), and the calls that failed before. */
    record Switch(long millis, int failedCalls, int callsBefore) {
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

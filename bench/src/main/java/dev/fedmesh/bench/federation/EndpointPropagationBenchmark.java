package dev.fedmesh.bench.federation;

import dev.fedmesh.agent.inventory.LocalInventory;
import dev.fedmesh.bench.Percentiles;
import dev.fedmesh.policy.xds.ServiceEndpoint;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One endpoint change in c000 on its way to the callers in the watched clusters, through the real
 * pipeline. The clock starts just before the endpoint is registered in (or deregistered from) c000's
 * agent and stops when every watched client, its agent holding c000's new inventory, has ACKed an EDS
 * version other than the one it had before the change (polled every millisecond; each poll copies
 * the agents' remote inventories and proxy states, and polling more often took half a core from the
 * pipeline under test). On the way it notes when c000's agent's record reached the status topic,
 * when the distributor's signed record reached the inventory topic, and when the last watched agent
 * held the new inventory.
 */
final class EndpointPropagationBenchmark {

    /** Readings in ms from the change: each stage's time to the last watched cluster. */
    record Result(int clusters, int services, List<String> watched, int changes, Percentiles agentSent,
                  Percentiles republished, Percentiles agentsHold, Percentiles clientsReceived) {
    }

    /** Longer than the publisher's 100 ms coalescing, so each change is its own record. */
    static final Duration PAUSE_BETWEEN_CHANGES = Duration.ofMillis(200);
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final FederatedPipeline pipeline;

    EndpointPropagationBenchmark(FederatedPipeline pipeline) {
        this.pipeline = pipeline;
    }

    Result run(int warmUp, int changes) throws InterruptedException {
        for (int i = 0; i < warmUp; i++) {
            change(i);
        }
        List<Double> sent = new ArrayList<>();
        List<Double> republished = new ArrayList<>();
        List<Double> held = new ArrayList<>();
        List<Double> received = new ArrayList<>();
        for (int i = 0; i < changes; i++) {
            double[] reading = change(warmUp + i);
            sent.add(reading[0]);
            republished.add(reading[1]);
            held.add(reading[2]);
            received.add(reading[3]);
        }
        FederatedTenant tenant = pipeline.tenant();
        return new Result(tenant.clusters(), tenant.services(),
                pipeline.watchers().stream().map(EdsWatcher::cluster).toList(), changes, Percentiles.of(sent),
                Percentiles.of(republished), Percentiles.of(held), Percentiles.of(received));
    }

    /**
     * Change number {@code index}: registers an extra endpoint (even) or deregisters it (odd), then
     * waits for every stage; returns each stage's time in ms.
     */
    private double[] change(int index) throws InterruptedException {
        LocalInventory local = pipeline.changed().inventory();
        ServiceEndpoint extra = pipeline.extraEndpoint(index / 2);
        Map<EdsWatcher, String> before = new HashMap<>();
        for (EdsWatcher watcher : pipeline.watchers()) {
            before.put(watcher, watcher.ackedEds());
        }
        long start = System.nanoTime();
        boolean changedNow = index % 2 == 0 ? local.register(extra) : local.deregister(extra);
        long generation = local.generation();
        if (!changedNow) {
            throw new IllegalStateException("change " + index + " of " + extra + " changed nothing in c000's inventory");
        }
        long deadline = start + FederatedPipeline.PATIENCE.toNanos();
        long sent = -1;
        long republished = -1;
        long held = start;
        long received = start;
        List<EdsWatcher> holding = new ArrayList<>(pipeline.watchers());
        List<EdsWatcher> receiving = new ArrayList<>(pipeline.watchers());
        while (sent < 0 || republished < 0 || !holding.isEmpty() || !receiving.isEmpty()) {
            if (sent < 0 && pipeline.topics().sentAtLeast(generation) != null) {
                sent = pipeline.topics().sentAtLeast(generation).nanos();
            }
            if (republished < 0 && pipeline.topics().republishedAtLeast(generation) != null) {
                republished = pipeline.topics().republishedAtLeast(generation).nanos();
            }
            if (holding.removeIf(watcher -> FederatedPipeline.heldGeneration(watcher) >= generation)) {
                held = System.nanoTime();
            }
            // An EDS ACKed before the agent held the change is something else (a probe's verdict).
            if (receiving.removeIf(watcher -> !holding.contains(watcher)
                    && !watcher.ackedEds().equals(before.get(watcher)))) {
                received = System.nanoTime();
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("change " + index + " (generation " + generation + ") not through within "
                        + FederatedPipeline.PATIENCE.toMinutes() + " min: sent " + (sent >= 0) + ", republished "
                        + (republished >= 0) + ", " + holding.size() + " agent(s) not holding it, " + receiving.size()
                        + " client(s) not receiving it");
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
        Thread.sleep(PAUSE_BETWEEN_CHANGES.toMillis());
        return new double[] {millis(start, sent), millis(start, republished), millis(start, held),
                millis(start, received)};
    }

    private static double millis(long from, long to) {
        return (to - from) / 1e6;
    }
}

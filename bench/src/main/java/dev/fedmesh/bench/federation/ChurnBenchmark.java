package dev.fedmesh.bench.federation;

import dev.fedmesh.agent.inventory.LocalInventory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Endpoint churn in c000: a steady rate of endpoint changes (an extra endpoint registered, then
 * deregistered, in turn) for a while. Counts the inventory records c000's agent sent and the
 * distributor republished (the coalescing), takes every thread's CPU over the churn grouped into
 * the distributor, each agent and the rest, and checks the callers converge once it stops: every
 * watched agent holds c000's last inventory and has translated it, and every watched client has
 * ACKed what its agent serves.
 */
final class ChurnBenchmark {

    /**
     * What the churn did.
     *
     * @param seconds         how long the churn was to last
     * @param madeInSeconds   how long making its changes took (longer than asked when registering an endpoint blocks)
     * @param convergedMillis from the last change to every watched agent and client converged, or -1
     */
    record Result(int changesPerSecond, long seconds, double madeInSeconds, int changes, long recordsSent, long recordsRepublished,
                  List<ThreadCpu.Group> cpu, boolean converged, double convergedMillis) {
    }

    private static final Duration CONVERGENCE_PATIENCE = Duration.ofMinutes(2);
    private static final int EXTRA_ENDPOINTS = 50;

    private final FederatedPipeline pipeline;
    private final List<String> agentClusters;

    ChurnBenchmark(FederatedPipeline pipeline, List<String> agentClusters) {
        this.pipeline = pipeline;
        this.agentClusters = List.copyOf(agentClusters);
    }

    Result run(int changesPerSecond, Duration duration) throws InterruptedException {
        LocalInventory local = pipeline.changed().inventory();
        int total = (int) (changesPerSecond * duration.toMillis() / 1000);
        AtomicInteger made = new AtomicInteger();
        ThreadCpu cpu = new ThreadCpu(ThreadCpu.fedmeshGroups(pipeline.tenant().name(), agentClusters));
        ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "bench-churn");
            thread.setDaemon(true);
            return thread;
        });
        long periodNanos = TimeUnit.SECONDS.toNanos(1) / changesPerSecond;
        long start = System.nanoTime();
        cpu.start();
        clock.scheduleAtFixedRate(() -> {
            int n = made.get();
            if (n >= total) {
                return;
            }
            // Even changes register extra endpoint n/2 (of a few, in turn), odd ones deregister it.
            var extra = pipeline.extraEndpoint(1_000 + n / 2 % EXTRA_ENDPOINTS);
            if (n % 2 == 0) {
                local.register(extra);
            } else {
                local.deregister(extra);
            }
            made.incrementAndGet();
        }, 0, periodNanos, TimeUnit.NANOSECONDS);
        while (made.get() < total) {
            Thread.sleep(10);
        }
        long lastChange = System.nanoTime();
        clock.shutdownNow();
        long finalGeneration = local.generation();
        List<ThreadCpu.Group> groups = cpu.stop();

        boolean converged = true;
        long convergedAt = lastChange;
        long deadline = lastChange + CONVERGENCE_PATIENCE.toNanos();
        try {
            for (EdsWatcher watcher : pipeline.watchers()) {
                FederatedPipeline.until(() -> converged(watcher, finalGeneration), deadline, () -> watcher.cluster()
                        + " to hold c000's generation " + finalGeneration + " (holds "
                        + FederatedPipeline.heldGeneration(watcher) + "), translate it and its client to be in sync");
            }
            convergedAt = System.nanoTime();
        } catch (IllegalStateException e) {
            converged = false;
            System.err.println("[bench] churn: " + e.getMessage());
        }
        // Records of the churn: from its start until the last one it caused had time to arrive.
        Thread.sleep(1_000);
        long[] counts = pipeline.topics().countBetween(start, System.nanoTime());
        List<ThreadCpu.Group> kept = new ArrayList<>(groups);
        return new Result(changesPerSecond, duration.toSeconds(), (lastChange - start) / 1e9, made.get(), counts[0], counts[1], kept, converged,
                converged ? (convergedAt - lastChange) / 1e6 : -1);
    }

    /**
     * Whether {@code watcher}'s agent holds c000's last generation, has translated it and its client
     * took what it serves. Read twice a millisecond apart: the agent's translation thread is told of
     * an inventory just after the inventory is held, and is idle for that moment.
     */
    private static boolean converged(EdsWatcher watcher, long finalGeneration) {
        for (int reading = 0; reading < 2; reading++) {
            if (FederatedPipeline.heldGeneration(watcher) < finalGeneration || watcher.agentTranslating()
                    || !watcher.inSync()) {
                return false;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        return true;
    }
}

package dev.fedmesh.agent.sds;

import dev.fedmesh.agent.trust.WorkloadIdentityMaterial;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the SDS snapshot in step with the local workloads' certificates: each refresh reads them
 * all, and when any secret changed (a new or renewed SVID, a new bundle, a workload gone) replaces
 * the secrets whole, which answers every open SDS watch. Nothing is served before the first SVID.
 */
public final class SecretPublisher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SecretPublisher.class);
    // One snapshot for every proxy: a proxy is given the secrets it names, whoever it says it is.
    private static final String GROUP = "sds";

    private final SimpleCache<String> cache = new SimpleCache<>(node -> GROUP);
    private final Supplier<List<WorkloadIdentityMaterial>> workloads;
    // Versions from an earlier run never name different secrets to a reconnecting proxy.
    private final String versionPrefix;
    private final AtomicBoolean refreshPending = new AtomicBoolean();
    // Refreshes run on their own thread: they are asked for while the inventory or the trust holds
    // its lock, and read both.
    private final ExecutorService refresher = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "fedmesh-sds-secrets");
        thread.setDaemon(true);
        return thread;
    });
    private List<Secret> served;
    private long generation;

    /** @param workloads the current certificates of every local workload, read at each refresh */
    public SecretPublisher(Supplier<List<WorkloadIdentityMaterial>> workloads, Clock clock) {
        this.workloads = Objects.requireNonNull(workloads, "workloads");
        this.versionPrefix = Long.toString(clock.millis(), 36);
    }

    /** The cache the SDS server answers from. */
    public SimpleCache<String> cache() {
        return cache;
    }

    /**
     * Serves the workloads' current certificates soon, if they changed; asked again before that,
     * it reads them once.
     */
    public void refresh() {
        if (refreshPending.compareAndSet(false, true)) {
            try {
                refresher.execute(this::publish);
            } catch (RejectedExecutionException e) {
                LOG.debug("SDS is stopped: the secrets are not refreshed");
            }
        }
    }

    /** The version of the secrets being served, or null before the first. */
    public synchronized String version() {
        return served == null ? null : versionPrefix + "." + generation;
    }

    private synchronized void publish() {
        // Cleared first: a change made while the certificates are read asks for one more refresh.
        refreshPending.set(false);
        try {
            List<Secret> secrets = WorkloadSecrets.of(workloads.get());
            // Until the first SVID there is no snapshot, so a proxy's watch waits rather than gets an empty answer.
            if (secrets.equals(served) || served == null && secrets.isEmpty()) {
                return;
            }
            served = secrets;
            generation++;
            String version = versionPrefix + "." + generation;
            cache.setSnapshot(GROUP, Snapshot.create(List.of(), List.of(), List.of(), List.of(), secrets, version));
            LOG.info("SDS now serves {} secret(s) (version {}): {}", secrets.size(), version,
                    secrets.stream().map(Secret::getName).toList());
        } catch (RuntimeException e) {
            // Only certificates are parsed here, never a key, so the message shows none.
            LOG.error("could not update the SDS secrets; proxies keep the ones they have until the next change: {}",
                    e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        refresher.shutdownNow();
        try {
            refresher.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

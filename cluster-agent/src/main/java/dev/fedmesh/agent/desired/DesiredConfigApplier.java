package dev.fedmesh.agent.desired;

import dev.fedmesh.agent.state.DurableFiles;
import dev.fedmesh.api.v1.DesiredConfig;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's forward-only gate for desired configs: a config is applied only when it is for this
 * tenant and cluster and its revision is higher than the applied one, and is kept as
 * last-known-good.
 *
 * <p>Applying is all or nothing, in an order chosen so that every step that can fail comes before
 * proxies see anything: the config is translated into xDS and written beside the last-known-good
 * file (neither visible yet), its trust material is taken (all or nothing itself; it may move a
 * key file), the last-known-good file is replaced, and only then is the translation served and the
 * status told. So when a step fails, proxies keep the revision applied before, the last-known-good
 * file keeps it too (a restart never serves proxies an older revision than they had, nor one they
 * never had), and the status reports that revision with the failure beside it. Only the trust
 * material may have moved ahead: taking it is forward-only and taking it again changes nothing.
 *
 * <p>A failed config is tried again after 1 s, then after twice as long each time up to 30 s,
 * until it applies; a newer config is tried at once and supersedes it.
 */
public final class DesiredConfigApplier implements AutoCloseable {

    /** The first wait before a failed config is tried again. */
    public static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    /** The longest wait between two attempts at a failed config. */
    public static final Duration MAX_RETRY = Duration.ofSeconds(30);

    private static final Logger LOG = LoggerFactory.getLogger(DesiredConfigApplier.class);

    /** The parts of the agent a config is applied to, in the order the applier uses them. */
    public interface Steps {

        /**
         * Prepares serving {@code config} (its translation into xDS) with no effect anyone sees; the
         * action returned serves it and tells the status report, and must not fail.
         */
        Runnable prepareServing(DesiredConfig config);

        /** Takes the config's trust domain, roots and intermediates; all or nothing when it throws. */
        void takeTrust(DesiredConfig config);
    }

    private final String tenant;
    private final String cluster;
    private final LastKnownGood lastKnownGood;
    private final Steps steps;
    private final Runnable failureChanged;
    private final Clock clock;
    private final ScheduledExecutorService retries;
    // Read without the lock: a config is served once applied, and status reports read both.
    private volatile long appliedRevision = -1;
    private volatile ConfigApplyFailure failure;
    private Pending pending;
    private ScheduledFuture<?> retry;
    private boolean closed;

    /** A config that failed to apply and is tried again; {@code keep} unless it came from the last-known-good file. */
    private record Pending(DesiredConfig config, String source, boolean keep) {
    }

    /**
     * @param failureChanged told when a config fails to apply, fails again, or applies after failing,
     *                       so the status report goes out at once
     */
    public DesiredConfigApplier(String tenant, String cluster, LastKnownGood lastKnownGood, Steps steps,
                                Runnable failureChanged, Clock clock) {
        this.tenant = tenant;
        this.cluster = cluster;
        this.lastKnownGood = lastKnownGood;
        this.steps = steps;
        this.failureChanged = failureChanged;
        this.clock = clock;
        this.retries = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "fedmesh-apply-retry-" + tenant + "-" + cluster);
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Applies the last-known-good config from disk, if there is one; returns whether it did. When it
     * cannot be applied, it is tried again like any failed config (until a newer one arrives).
     */
    public synchronized boolean restoreLastKnownGood() {
        Optional<DesiredConfig> restored = lastKnownGood.load()
                .filter(config -> isForThisCluster(config, "last-known-good file " + lastKnownGood.file()));
        if (restored.isEmpty()) {
            return false;
        }
        DesiredConfig config = restored.get();
        if (!attempt(new Pending(config, "last-known-good file " + lastKnownGood.file(), false))) {
            return false;
        }
        LOG.info("tenant={} cluster={} serving last-known-good revision {} from {} until Kafka delivers"
                + " a newer one", tenant, cluster, config.getRevision(), lastKnownGood.file());
        return true;
    }

    /**
     * Applies the config if it is newer than the applied one and than any that failed to apply;
     * returns whether it applied. {@code source} says where it came from, for the log.
     */
    public synchronized boolean offer(DesiredConfig config, String source) {
        if (!isForThisCluster(config, source)) {
            return false;
        }
        if (config.getRevision() <= appliedRevision) {
            LOG.debug("tenant={} cluster={} ignoring revision {} from {}: revision {} is already applied",
                    tenant, cluster, config.getRevision(), source, appliedRevision);
            return false;
        }
        if (pending != null && config.getRevision() <= pending.config().getRevision()) {
            LOG.debug("tenant={} cluster={} ignoring revision {} from {}: revision {} is being tried again",
                    tenant, cluster, config.getRevision(), source, pending.config().getRevision());
            return false;
        }
        if (pending != null) {
            LOG.info("tenant={} cluster={} revision {} from {} supersedes revision {}, which could not be applied",
                    tenant, cluster, config.getRevision(), source, pending.config().getRevision());
        }
        return attempt(new Pending(config, source, true));
    }

    /** The revision being served, or -1 before any config was applied. */
    public long appliedRevision() {
        return appliedRevision;
    }

    /** The newest config that failed to apply and is being tried again, with why; empty when none. */
    public Optional<ConfigApplyFailure> applyFailure() {
        return Optional.ofNullable(failure);
    }

    private boolean attempt(Pending next) {
        DesiredConfig config = next.config();
        try {
            apply(config, next.keep());
        } catch (StepFailure e) {
            failed(next, e);
            return false;
        }
        appliedRevision = config.getRevision();
        ConfigApplyFailure previous = failure;
        pending = null;
        failure = null;
        if (retry != null) {
            retry.cancel(false);
            retry = null;
        }
        if (previous != null) {
            LOG.info("tenant={} cluster={} applied revision {} from {}; revision {} had failed {} time(s) since {}",
                    tenant, cluster, config.getRevision(), next.source(), previous.revision(), previous.attempts(),
                    previous.failedAt());
            failureChanged.run();
        }
        return true;
    }

    private void apply(DesiredConfig config, boolean keep) throws StepFailure {
        Runnable serve;
        try {
            serve = steps.prepareServing(config);
        } catch (RuntimeException e) {
            throw new StepFailure("translating it into xDS failed", e, "the agent cannot serve this config:"
                    + " run an agent of the control plane's release");
        }
        DurableFiles.Staged staged = null;
        try {
            if (keep) {
                try {
                    staged = lastKnownGood.stage(config);
                } catch (IOException | RuntimeException e) {
                    throw new StepFailure("writing it beside the last-known-good file " + lastKnownGood.file()
                            + " failed", e, stateDirectoryHint());
                }
            }
            try {
                steps.takeTrust(config);
            } catch (RuntimeException e) {
                throw new StepFailure("taking its trust domain, roots and intermediate CA failed", e,
                        "where a file is named, check that its directory, under the agent's state directory, is a"
                                + " directory the agent can write, with free space; otherwise report this error");
            }
            if (staged != null) {
                try {
                    staged.commit();
                } catch (IOException | RuntimeException e) {
                    throw new StepFailure("replacing the last-known-good file " + lastKnownGood.file() + " failed", e,
                            stateDirectoryHint());
                }
            }
        } finally {
            if (staged != null) {
                try {
                    staged.close();
                } catch (IOException e) {
                    LOG.warn("tenant={} cluster={} could not remove a temporary file beside {}: {}", tenant, cluster,
                            lastKnownGood.file(), e.toString());
                }
            }
        }
        serve.run();
    }

    private String stateDirectoryHint() {
        return "check that the agent's state directory " + lastKnownGood.file().getParent()
                + " is a directory the agent can write, with free space";
    }

    private void failed(Pending next, StepFailure e) {
        DesiredConfig config = next.config();
        boolean again = failure != null && failure.revision() == config.getRevision();
        int attempts = again ? failure.attempts() + 1 : 1;
        Instant first = again ? failure.failedAt() : clock.instant();
        Duration wait = backOff(attempts);
        String serving = appliedRevision < 0 ? "Proxies get no config until it applies"
                : "Proxies keep revision " + appliedRevision + " until it applies";
        Throwable cause = e.getCause();
        String error = "revision " + config.getRevision() + " not applied: " + e.step + ": "
                + cause.getClass().getSimpleName() + ": " + cause.getMessage() + ". " + serving + "; retrying in "
                + wait.toSeconds() + " s. Fix: " + e.hint;
        failure = new ConfigApplyFailure(config.getRevision(), error, first, attempts);
        pending = next;
        if (retry != null) {
            retry.cancel(false);
        }
        long revision = config.getRevision();
        if (!closed) {
            retry = retries.schedule(() -> retry(revision), wait.toMillis(), TimeUnit.MILLISECONDS);
        }
        if (attempts == 1) {
            LOG.error("tenant={} cluster={} could not apply revision {} from {}: {}", tenant, cluster, revision,
                    next.source(), error, e.getCause());
        } else {
            LOG.warn("tenant={} cluster={} attempt {} at revision {} failed: {}", tenant, cluster, attempts, revision,
                    error);
        }
        failureChanged.run();
    }

    private synchronized void retry(long revision) {
        if (pending != null && pending.config().getRevision() == revision) {
            attempt(pending);
        }
    }

    /** 1 s after the first failure, twice as long after each next one, never more than 30 s. */
    static Duration backOff(int attempts) {
        long factor = 1L << Math.min(attempts - 1, 30);
        Duration wait = FIRST_RETRY.multipliedBy(factor);
        return wait.compareTo(MAX_RETRY) > 0 ? MAX_RETRY : wait;
    }

    private boolean isForThisCluster(DesiredConfig config, String source) {
        if (config.getTenant().equals(tenant) && config.getCluster().equals(cluster)) {
            return true;
        }
        LOG.warn("tenant={} cluster={} ignoring revision {} from {}: it is addressed to tenant={} cluster={}",
                tenant, cluster, config.getRevision(), source, config.getTenant(), config.getCluster());
        return false;
    }

    /** Stops trying failed configs again. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        retries.shutdownNow();
        try {
            retries.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A step of applying a config failed: which, why (the cause), and what the operator can do. */
    private static final class StepFailure extends Exception {
        private final String step;
        private final String hint;

        StepFailure(String step, Exception cause, String hint) {
            super(step, cause);
            this.step = step;
            this.hint = hint;
        }
    }
}

package dev.fedmesh.controlapi.trust;

import dev.fedmesh.db.DatabaseErrors;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.convert.ConversionService;
import io.micronaut.scheduling.TaskExecutors;
import jakarta.inject.Named;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The expiry watch as gauges: seconds until each cluster's newest intermediate and each tenant's
 * roots expire, and per tenant how many clusters are expiring or have no intermediate. Brought up
 * to date from the database by {@link #refresh()}, one query, before each scrape; a scrape waits
 * for it at most {@code fedmesh.api.metrics.refresh-wait}, so metrics are served whatever the
 * database does. Beside them, whether the last read was answered and when one last succeeded.
 */
@Context
public final class TrustGauges {
    static final String WAIT_PROPERTY = "fedmesh.api.metrics.refresh-wait";
    private static final Logger LOG = LoggerFactory.getLogger(TrustGauges.class);
    private final TrustStore store;
    private final ExpiryWarning warning;
    private final ExecutorService executor;
    private final Duration wait;
    private final MultiGauge intermediates;
    private final MultiGauge roots;
    private final MultiGauge expiring;
    private final MultiGauge missing;
    private volatile boolean answered;
    private volatile Instant refreshedAt;
    private boolean failing;
    private CompletableFuture<Void> reading = CompletableFuture.completedFuture(null);

    TrustGauges(MeterRegistry registry, TrustStore store, ExpiryWarning warning,
                @Named(TaskExecutors.BLOCKING) ExecutorService executor,
                @Value("${" + WAIT_PROPERTY + ":2s}") String wait, ConversionService conversions) {
        this.store = store;
        this.warning = warning;
        this.executor = executor;
        this.wait = positive(wait, conversions);
        this.intermediates = MultiGauge.builder("fedmesh.trust.intermediate.expiry").baseUnit("seconds")
                .description("Seconds until the cluster's newest intermediate CA expires; negative once it has")
                .register(registry);
        this.roots = MultiGauge.builder("fedmesh.trust.root.expiry").baseUnit("seconds")
                .description("Seconds until the tenant's root (by SHA-256 of its DER) expires, while it is in the bundle; negative once it has")
                .register(registry);
        this.expiring = MultiGauge.builder("fedmesh.trust.clusters.expiring")
                .description("Clusters whose newest intermediate expires within fedmesh.api.trust.expiry-warning, or has expired")
                .register(registry);
        this.missing = MultiGauge.builder("fedmesh.trust.clusters.missing")
                .description("Registered clusters that were never issued an intermediate")
                .register(registry);
        Gauge.builder("fedmesh.database.up", this, gauges -> gauges.answered ? 1 : 0)
                .description("1 when PostgreSQL answered the last scrape's read of the trust gauges, 0 when the read failed "
                        + "or took longer than " + WAIT_PROPERTY + " (the trust gauges then hold the values of the last read)")
                .strongReference(true)
                .register(registry);
        Gauge.builder("fedmesh.trust.gauges.refreshed.timestamp", this,
                        gauges -> gauges.refreshedAt == null ? 0 : gauges.refreshedAt.toEpochMilli() / 1000.0)
                .baseUnit("seconds")
                .description("When the trust gauges were last read from PostgreSQL (Unix time); 0 before the first read")
                .strongReference(true)
                .register(registry);
    }

    /**
     * Reads every expiry and replaces the gauges' rows with it (gone tenants, clusters and roots
     * leave), waiting for the read at most the configured wait. A read that fails keeps the last
     * values; one that is slower goes on and serves the next scrape. Never throws.
     */
    public void refresh() {
        CompletableFuture<Void> current;
        synchronized (this) {
            // One read at a time: scrapes during a database outage share it rather than pile up.
            if (reading.isDone()) {
                try {
                    reading = CompletableFuture.runAsync(this::read, executor);
                } catch (RejectedExecutionException shuttingDown) {
                    return;
                }
            }
            current = reading;
        }
        try {
            current.get(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException slow) {
            if (!current.isDone()) {
                failed("did not answer within " + WAIT_PROPERTY + " (" + wait.toMillis() + " ms)", null);
            }
        } catch (ExecutionException unexpected) {
            failed("read failed", unexpected.getCause());
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void read() {
        List<TrustStore.Expiry> expiries;
        try {
            expiries = store.everyExpiry();
        } catch (RuntimeException error) {
            if (DatabaseErrors.isUnavailable(error)) {
                failed("does not answer (" + (error.getCause() == null ? error : error.getCause()).getClass().getSimpleName()
                        + ")", null);
            } else {
                failed("read failed", error);
            }
            return;
        }
        replaceRows(expiries, System.nanoTime());
        refreshedAt = Instant.now();
        answered = true;
        synchronized (this) {
            if (failing) {
                failing = false;
                LOG.info("Trust gauges read again: the database answers; fedmesh_database_up is 1");
            }
        }
    }

    private void failed(String what, Throwable error) {
        answered = false;
        synchronized (this) {
            if (failing) {
                return;
            }
            failing = true;
        }
        // Once per outage, not once per scrape; the values stay those of the last read.
        String message = "Trust gauges not read: the database " + what + "; /prometheus serves the values read at "
                + (refreshedAt == null ? "(never)" : refreshedAt) + " and fedmesh_database_up is 0 until it answers";
        if (error == null) {
            LOG.warn(message);
        } else {
            LOG.error(message, error);
        }
    }

    private void replaceRows(List<TrustStore.Expiry> expiries, long readAt) {
        List<MultiGauge.Row<?>> intermediateRows = new ArrayList<>();
        List<MultiGauge.Row<?>> rootRows = new ArrayList<>();
        Map<String, Integer> expiringPerTenant = new TreeMap<>();
        Map<String, Integer> missingPerTenant = new TreeMap<>();
        for (TrustStore.Expiry expiry : expiries) {
            if (expiry.kind() == TrustStore.Expiry.Kind.ROOT) {
                rootRows.add(MultiGauge.Row.of(Tags.of("tenant", expiry.tenant(), "sha256", expiry.subject()),
                        secondsLeft(expiry, readAt)));
                continue;
            }
            expiringPerTenant.merge(expiry.tenant(), 0, Integer::sum);
            missingPerTenant.merge(expiry.tenant(), 0, Integer::sum);
            if (expiry.subject() == null) {
                continue;
            }
            if (expiry.notAfter() == null) {
                missingPerTenant.merge(expiry.tenant(), 1, Integer::sum);
                continue;
            }
            intermediateRows.add(MultiGauge.Row.of(Tags.of("tenant", expiry.tenant(), "cluster", expiry.subject()),
                    secondsLeft(expiry, readAt)));
            if (warning.flags(expiry.notAfter(), expiry.now())) {
                expiringPerTenant.merge(expiry.tenant(), 1, Integer::sum);
            }
        }
        intermediates.register(intermediateRows, true);
        roots.register(rootRows, true);
        expiring.register(perTenant(expiringPerTenant), true);
        missing.register(perTenant(missingPerTenant), true);
    }

    /**
     * Seconds left as the database's clock read them, counting down from that read: an expiry
     * needs no database to stay true, so the gauge keeps falling while PostgreSQL is down.
     */
    private static Supplier<Long> secondsLeft(TrustStore.Expiry expiry, long readAt) {
        long atRead = Duration.between(expiry.now(), expiry.notAfter()).toSeconds();
        return () -> atRead - TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - readAt);
    }

    private static List<MultiGauge.Row<?>> perTenant(Map<String, Integer> counts) {
        return counts.entrySet().stream()
                .<MultiGauge.Row<?>>map(count -> MultiGauge.Row.of(Tags.of("tenant", count.getKey()), count.getValue()))
                .toList();
    }

    private static Duration positive(String setting, ConversionService conversions) {
        Optional<Duration> parsed;
        try {
            parsed = conversions.convert(setting.trim(), Duration.class);
        } catch (RuntimeException e) {
            parsed = Optional.empty();
        }
        if (parsed.isEmpty() || parsed.get().isNegative() || parsed.get().isZero()) {
            throw new ConfigurationException(WAIT_PROPERTY + " is '" + setting + "', which is not a duration above zero:"
                    + " write it as 2s, 500ms or PT2S (FEDMESH_API_METRICS_REFRESH_WAIT in the environment)");
        }
        return parsed.get();
    }
}

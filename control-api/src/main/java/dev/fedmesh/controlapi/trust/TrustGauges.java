package dev.fedmesh.controlapi.trust;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import jakarta.inject.Singleton;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The expiry watch as gauges: seconds until each cluster's newest intermediate and each tenant's
 * roots expire, and per tenant how many clusters are expiring or have no intermediate. Brought up
 * to date from the database by {@link #refresh()}, one query, before each scrape.
 */
@Singleton
public final class TrustGauges {
    private final TrustStore store;
    private final ExpiryWarning warning;
    private final MultiGauge intermediates;
    private final MultiGauge roots;
    private final MultiGauge expiring;
    private final MultiGauge missing;

    TrustGauges(MeterRegistry registry, TrustStore store, ExpiryWarning warning) {
        this.store = store;
        this.warning = warning;
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
    }

    /** Reads every expiry and replaces the gauges' rows with it: gone tenants, clusters and roots leave. */
    public void refresh() {
        List<MultiGauge.Row<?>> intermediateRows = new ArrayList<>();
        List<MultiGauge.Row<?>> rootRows = new ArrayList<>();
        Map<String, Integer> expiringPerTenant = new TreeMap<>();
        Map<String, Integer> missingPerTenant = new TreeMap<>();
        for (TrustStore.Expiry expiry : store.everyExpiry()) {
            if (expiry.kind() == TrustStore.Expiry.Kind.ROOT) {
                rootRows.add(MultiGauge.Row.of(Tags.of("tenant", expiry.tenant(), "sha256", expiry.subject()),
                        secondsLeft(expiry)));
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
                    secondsLeft(expiry)));
            if (warning.flags(expiry.notAfter(), expiry.now())) {
                expiringPerTenant.merge(expiry.tenant(), 1, Integer::sum);
            }
        }
        intermediates.register(intermediateRows, true);
        roots.register(rootRows, true);
        expiring.register(perTenant(expiringPerTenant), true);
        missing.register(perTenant(missingPerTenant), true);
    }

    private static long secondsLeft(TrustStore.Expiry expiry) {
        return Duration.between(expiry.now(), expiry.notAfter()).toSeconds();
    }

    private static List<MultiGauge.Row<?>> perTenant(Map<String, Integer> counts) {
        return counts.entrySet().stream()
                .<MultiGauge.Row<?>>map(count -> MultiGauge.Row.of(Tags.of("tenant", count.getKey()), count.getValue()))
                .toList();
    }
}

package dev.fedmesh.distributor.outbox;

import java.time.Duration;
import java.util.Objects;

/**
 * How long a tenant whose publish failed is parked. Its own failures (see
 * {@link PublishFailure.Code#tenantsOwn}) back off from {@code first}, doubling with each attempt up
 * to {@code max}; Kafka failing for it backs off the same way up to {@code kafkaMax} only, so that
 * once Kafka answers again every tenant goes out within that time. A change of the tenant committed
 * after its last attempt may be tried sooner: {@code first} after that attempt. However long an
 * attempt takes (a CA that times out), the next waits {@code attemptShare} times as long, so a tenant
 * failing at every change takes at most about 1/(attemptShare + 1) of the relay's time.
 */
record TenantBackoff(Duration first, Duration max, Duration kafkaMax, int attemptShare) {
    /** One second doubling to a minute; Kafka's trouble to five seconds, the relay's own back-off (see OutboxRelay). */
    static final TenantBackoff DEFAULT = new TenantBackoff(Duration.ofSeconds(1), Duration.ofMinutes(1),
            Duration.ofSeconds(5), 10);

    TenantBackoff {
        Objects.requireNonNull(first, "first");
        Objects.requireNonNull(max, "max");
        Objects.requireNonNull(kafkaMax, "kafkaMax");
        if (first.isNegative() || first.isZero() || max.compareTo(first) < 0 || kafkaMax.compareTo(first) < 0
                || attemptShare < 0) {
            throw new IllegalArgumentException("a back-off grows from a positive first wait to maxima at least as long");
        }
    }

    /** How long after the {@code attempts}-th failed attempt in a row, which took {@code took}, the next one waits. */
    Duration next(int attempts, PublishFailure.Code code, Duration took) {
        Duration cap = code.tenantsOwn() ? max : kafkaMax;
        Duration grown = first.multipliedBy(1L << Math.min(attempts - 1, 30));
        Duration wait = grown.compareTo(cap) > 0 ? cap : grown;
        return code.tenantsOwn() ? longer(wait, took.multipliedBy(attemptShare)) : wait;
    }

    /** How long after a failed attempt that took {@code took} a newer change of the tenant may be tried. */
    Duration onChange(PublishFailure.Code code, Duration took) {
        return code.tenantsOwn() ? longer(first, took.multipliedBy(attemptShare)) : first;
    }

    private static Duration longer(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}

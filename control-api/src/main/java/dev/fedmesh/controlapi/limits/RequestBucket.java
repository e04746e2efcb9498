package dev.fedmesh.controlapi.limits;

import java.util.function.LongSupplier;

/**
 * A token bucket: holds up to {@code burst} requests, refilled at {@code perSecond}; each
 * request takes one. Safe to share between threads.
 */
final class RequestBucket {
    private static final double NANOS_PER_SECOND = 1e9;
    private final double perSecond;
    private final double burst;
    private final LongSupplier nanoClock;
    private double available;
    private long refilledAt;

    RequestBucket(double perSecond, int burst, LongSupplier nanoClock) {
        this.perSecond = perSecond;
        this.burst = burst;
        this.nanoClock = nanoClock;
        this.available = burst;
        this.refilledAt = nanoClock.getAsLong();
    }

    /** Takes one request's worth: 0 when granted, otherwise the nanoseconds until one would be. */
    synchronized long take() {
        long now = nanoClock.getAsLong();
        available = Math.min(burst, available + (now - refilledAt) / NANOS_PER_SECOND * perSecond);
        refilledAt = now;
        if (available >= 1) {
            available -= 1;
            return 0;
        }
        return (long) Math.ceil((1 - available) / perSecond * NANOS_PER_SECOND);
    }
}

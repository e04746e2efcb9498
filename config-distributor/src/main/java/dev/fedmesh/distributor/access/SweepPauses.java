package dev.fedmesh.distributor.access;

/**
 * A point inside a sweep where it can be held. In production it does nothing; the test of a Kafka
 * slowdown holds the sweep exactly where it waits on Kafka while holding a tenant name's lock,
 * instead of hoping that a broker stops at that moment.
 */
interface SweepPauses {
    SweepPauses NONE = new SweepPauses() {
    };

    /** The name lock of {@code tenant}, which no longer exists, is held; its topics are about to be deleted. */
    default void holdingTenantName(String tenant) {
    }
}

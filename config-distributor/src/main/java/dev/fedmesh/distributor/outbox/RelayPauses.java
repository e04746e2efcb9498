package dev.fedmesh.distributor.outbox;

import org.jooq.DSLContext;

import java.util.UUID;

/**
 * Points inside a tenant's publishing transaction where a relay can be held. In production they
 * do nothing; the race tests hold one relay exactly where a race between instances needs it,
 * instead of hoping that threads happen to interleave that way.
 */
interface RelayPauses {
    RelayPauses NONE = new RelayPauses() {
    };

    /** First in the transaction, before the tenant lock; no statement has run, so no snapshot is taken yet. */
    default void beforeTenantLock(DSLContext tx, UUID tenantId) {
    }

    /** The tenant lock is held and its configs at {@code revision} are compiled, not yet sent. */
    default void beforePublish(UUID tenantId, long revision) {
    }
}

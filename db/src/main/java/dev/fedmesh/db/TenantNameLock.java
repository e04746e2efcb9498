package dev.fedmesh.db;

import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * A transaction-scoped advisory lock on one tenant name, taken by whatever creates or deletes a
 * tenant of that name and by the distributor's sweep while it deletes the Kafka topics of a tenant
 * that no longer exists: a tenant is never created under a name whose old topics are being deleted
 * at that moment. Only that one name waits; nothing else of the tenants table is locked.
 */
public final class TenantNameLock {
    /** The two-key advisory lock space for tenant names ("tn"), apart from every other lock of fedmesh's. */
    private static final int LOCK_CLASS = 0x746e;

    private TenantNameLock() {
    }

    /** Takes the lock on {@code name} in {@code tx}, waiting for a holder (as long as the transaction's lock_timeout lets it). */
    public static void acquire(DSLContext tx, String name) {
        tx.select(DSL.field("pg_advisory_xact_lock({0}, hashtext({1}))", Object.class, DSL.val(LOCK_CLASS), DSL.val(name)))
                .fetch();
    }
}

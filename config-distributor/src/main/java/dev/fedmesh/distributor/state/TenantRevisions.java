package dev.fedmesh.distributor.state;

import org.jooq.DSLContext;

import java.time.OffsetDateTime;
import java.util.UUID;

import static dev.fedmesh.db.jooq.Tables.OUTBOX;
import static dev.fedmesh.db.jooq.Tables.TENANTS;

/**
 * A change the control plane makes to a tenant's configs by itself (a new intermediate, a root
 * rotation's stage), published as an API write is: the tenant's revision bumped and an outbox row
 * for it, in the caller's transaction.
 */
public final class TenantRevisions {

    private TenantRevisions() {
    }

    /** Bumps {@code tenantId}'s revision and queues it for publishing; returns the new revision. */
    public static long bump(DSLContext tx, UUID tenantId) {
        long revision = tx.update(TENANTS)
                .set(TENANTS.REVISION, TENANTS.REVISION.plus(1))
                .set(TENANTS.UPDATED_AT, OffsetDateTime.now())
                .where(TENANTS.ID.eq(tenantId))
                .returning(TENANTS.REVISION)
                .fetchOne(TENANTS.REVISION);
        tx.insertInto(OUTBOX).set(OUTBOX.TENANT_ID, tenantId).set(OUTBOX.REVISION, revision).execute();
        return revision;
    }
}

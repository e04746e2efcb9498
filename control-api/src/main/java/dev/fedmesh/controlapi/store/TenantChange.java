package dev.fedmesh.controlapi.store;

import org.jooq.DSLContext;
import org.jooq.JSONB;

import java.util.UUID;

import static dev.fedmesh.db.jooq.Tables.AUDIT_LOG;

/**
 * One write to a tenant's resources, inside the transaction that also bumps the tenant's
 * revision and queues the outbox row: what a writer may do, and the audit it must leave.
 */
public final class TenantChange {
    private final DSLContext tx;
    private final Tenant tenant;
    private final long revision;
    private final String actor;

    TenantChange(DSLContext tx, Tenant tenant, long revision, String actor) {
        this.tx = tx;
        this.tenant = tenant;
        this.revision = revision;
        this.actor = actor;
    }

    public DSLContext tx() {
        return tx;
    }

    public UUID tenantId() {
        return tenant.id();
    }

    public String tenantName() {
        return tenant.name();
    }

    /** Who makes the change, as the audit log records it. */
    public String actor() {
        return actor;
    }

    /** The revision this change creates; every row it writes carries it as resource_version. */
    public long revision() {
        return revision;
    }

    /** Records who did what, with the resource before and after (JSON, null when absent). */
    public void audit(String action, String resourceKind, String resourceName, String before, String after) {
        tx.insertInto(AUDIT_LOG)
                .set(AUDIT_LOG.TENANT_ID, tenant.id())
                .set(AUDIT_LOG.REVISION, revision)
                .set(AUDIT_LOG.ACTOR, actor)
                .set(AUDIT_LOG.ACTION, action)
                .set(AUDIT_LOG.RESOURCE_KIND, resourceKind)
                .set(AUDIT_LOG.RESOURCE_NAME, resourceName)
                .set(AUDIT_LOG.BEFORE, before == null ? null : JSONB.jsonb(before))
                .set(AUDIT_LOG.AFTER, after == null ? null : JSONB.jsonb(after))
                .execute();
    }
}

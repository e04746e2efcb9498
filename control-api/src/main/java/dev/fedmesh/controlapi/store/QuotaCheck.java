package dev.fedmesh.controlapi.store;

import dev.fedmesh.controlapi.limits.TooManyRequests;
import dev.fedmesh.db.jooq.tables.records.TenantsRecord;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record2;
import org.jooq.Table;
import org.jooq.impl.DSL;

import java.util.UUID;

import static dev.fedmesh.db.jooq.Tables.CLUSTERS;
import static dev.fedmesh.db.jooq.Tables.POLICIES;
import static dev.fedmesh.db.jooq.Tables.TENANTS;

/**
 * Refuses, inside a tenant change's transaction, a change that writes a policy or a cluster while
 * the tenant holds more of them than its quota allows: 429 {@code quota_exceeded}, and the whole
 * change rolls back. A tenant over its quota (after the limit was lowered) may still delete.
 */
public final class QuotaCheck {
    // A quota frees only when something is deleted or the limit is raised; this keeps a
    // well-behaved client that honours Retry-After from asking again at once.
    static final long RETRY_AFTER_SECONDS = 60;

    private QuotaCheck() {
    }

    /** Throws {@link TooManyRequests} when the change creating {@code revision} broke a quota. */
    public static void enforce(DSLContext tx, UUID tenantId, long revision) {
        Object configured = tx.configuration().data(QuotaLimits.class);
        QuotaLimits defaults = configured instanceof QuotaLimits limits ? limits : QuotaLimits.DEFAULTS;
        TenantsRecord tenant = tx.selectFrom(TENANTS).where(TENANTS.ID.eq(tenantId)).fetchSingle();
        int maxPolicies = tenant.getMaxPolicies() != null ? tenant.getMaxPolicies() : defaults.maxPolicies();
        int maxClusters = tenant.getMaxClusters() != null ? tenant.getMaxClusters() : defaults.maxClusters();
        check(tx, tenant, revision, POLICIES, POLICIES.TENANT_ID, POLICIES.RESOURCE_VERSION, maxPolicies,
                "policies", "max_policies", "delete policies it no longer needs");
        check(tx, tenant, revision, CLUSTERS, CLUSTERS.TENANT_ID, CLUSTERS.RESOURCE_VERSION, maxClusters,
                "clusters", "max_clusters", "remove clusters it no longer runs");
    }

    private static void check(DSLContext tx, TenantsRecord tenant, long revision, Table<?> table, Field<UUID> tenantId,
                              Field<Long> resourceVersion, int limit, String what, String column, String fix) {
        Record2<Integer, Boolean> counts = tx.select(DSL.count(), DSL.boolOr(resourceVersion.eq(revision)))
                .from(table)
                .where(tenantId.eq(tenant.getId()))
                .fetchSingle();
        boolean written = Boolean.TRUE.equals(counts.value2());
        if (written && counts.value1() > limit) {
            throw new TooManyRequests("quota_exceeded", "Tenant '" + tenant.getName() + "' is over its " + what
                    + " quota: the limit is " + limit + ", this change would make " + counts.value1() + " " + what
                    + ". Nothing was written: " + fix + ", or ask the operator to raise the tenant's " + column + ".",
                    RETRY_AFTER_SECONDS);
        }
    }
}

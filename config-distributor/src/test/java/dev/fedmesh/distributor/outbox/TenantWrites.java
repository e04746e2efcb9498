package dev.fedmesh.distributor.outbox;

import org.jooq.DSLContext;
import org.jooq.JSONB;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

import static dev.fedmesh.db.jooq.Tables.CLUSTERS;
import static dev.fedmesh.db.jooq.Tables.OUTBOX;
import static dev.fedmesh.db.jooq.Tables.POLICIES;
import static dev.fedmesh.db.jooq.Tables.TENANTS;

/**
 * Commits tenant changes the way control-api's TenantStore.change does: one transaction locks the
 * tenant row, writes, bumps the revision and queues an outbox row. Each revision sends its own
 * share of greeter's traffic to v2 ({@link #v2Weight}), so a published config shows which
 * revision's state it was compiled from.
 */
final class TenantWrites {
    private TenantWrites() {
    }

    /** The share of traffic to v2 that the state at {@code revision} holds. */
    static int v2Weight(long revision) {
        return 1 + (int) (revision * 7 % 99);
    }

    /** A tenant at revision 1 with the given clusters and the greeter split of revision 1, queued for publishing. */
    static UUID create(DSLContext db, String name, List<String> clusters) {
        UUID tenant = UUID.randomUUID();
        db.transaction(configuration -> {
            DSLContext tx = configuration.dsl();
            tx.insertInto(TENANTS).set(TENANTS.ID, tenant).set(TENANTS.NAME, name).set(TENANTS.REVISION, 1L).execute();
            for (String cluster : clusters) {
                tx.insertInto(CLUSTERS).set(CLUSTERS.TENANT_ID, tenant).set(CLUSTERS.NAME, cluster)
                        .set(CLUSTERS.RESOURCE_VERSION, 1L).execute();
            }
            tx.insertInto(POLICIES)
                    .set(POLICIES.TENANT_ID, tenant)
                    .set(POLICIES.NAME, "greeter-split")
                    .set(POLICIES.KIND, "TrafficRoute")
                    .set(POLICIES.TARGET, JSONB.jsonb("{\"service\": \"greeter\"}"))
                    .set(POLICIES.SPEC, split(v2Weight(1)))
                    .set(POLICIES.RESOURCE_VERSION, 1L)
                    .execute();
            tx.insertInto(OUTBOX).set(OUTBOX.TENANT_ID, tenant).set(OUTBOX.REVISION, 1L).execute();
        });
        return tenant;
    }

    /** Commits the next revision: the greeter split of that revision; returns the revision. */
    static long changeSplit(DSLContext db, UUID tenant) {
        return change(db, tenant, null);
    }

    /** Commits the next revision: the split of that revision and a new cluster; returns the revision. */
    static long addCluster(DSLContext db, UUID tenant, String cluster) {
        return change(db, tenant, cluster);
    }

    private static long change(DSLContext db, UUID tenant, String newCluster) {
        return db.transactionResult(configuration -> {
            DSLContext tx = configuration.dsl();
            long revision = tx.select(TENANTS.REVISION).from(TENANTS).where(TENANTS.ID.eq(tenant))
                    .forUpdate().fetchSingle().value1() + 1;
            tx.update(POLICIES)
                    .set(POLICIES.SPEC, split(v2Weight(revision)))
                    .set(POLICIES.RESOURCE_VERSION, revision)
                    .set(POLICIES.UPDATED_AT, OffsetDateTime.now())
                    .where(POLICIES.TENANT_ID.eq(tenant).and(POLICIES.NAME.eq("greeter-split")))
                    .execute();
            if (newCluster != null) {
                tx.insertInto(CLUSTERS).set(CLUSTERS.TENANT_ID, tenant).set(CLUSTERS.NAME, newCluster)
                        .set(CLUSTERS.RESOURCE_VERSION, revision).execute();
            }
            tx.update(TENANTS)
                    .set(TENANTS.REVISION, revision)
                    .set(TENANTS.UPDATED_AT, OffsetDateTime.now())
                    .where(TENANTS.ID.eq(tenant))
                    .execute();
            tx.insertInto(OUTBOX).set(OUTBOX.TENANT_ID, tenant).set(OUTBOX.REVISION, revision).execute();
            return revision;
        });
    }

    private static JSONB split(int v2Weight) {
        return JSONB.jsonb("""
                {"split": [{"subset": {"version": "v1"}, "weight": %d}, {"subset": {"version": "v2"}, "weight": %d}]}"""
                .formatted(100 - v2Weight, v2Weight));
    }
}

package dev.fedmesh.distributor.status;

import org.jooq.DSLContext;
import org.jooq.impl.DSL;

import java.time.OffsetDateTime;
import java.util.Map;
import java.util.UUID;

import static dev.fedmesh.db.jooq.Tables.PUBLISHED_CONFIGS;

/**
 * The desired side of each cluster's status: the revision and SHA-256 last published for it,
 * written in the relay's transaction so it commits exactly when the outbox rows are marked
 * published. Only moves forward; a repeated publish of a revision keeps its first time.
 */
public final class PublishedConfigs {
    private PublishedConfigs() {
    }

    /**
     * Locks the tenant's recorded rows until the transaction ends and returns the newest revision
     * among them, or -1 when none is recorded. In the relay's REPEATABLE READ transaction, a row
     * updated after the transaction's snapshot fails this with a serialization failure (40001): a
     * relay whose snapshot is older than another's finished publish learns it before it sends
     * anything, not after.
     */
    public static long lockNewestRevision(DSLContext tx, UUID tenantId) {
        return tx.select(PUBLISHED_CONFIGS.REVISION)
                .from(PUBLISHED_CONFIGS)
                .where(PUBLISHED_CONFIGS.TENANT_ID.eq(tenantId))
                .forUpdate()
                .fetch(PUBLISHED_CONFIGS.REVISION)
                .stream()
                .mapToLong(Long::longValue)
                .max()
                .orElse(-1);
    }

    /**
     * Records, in one statement, every config just published for the tenant at {@code revision};
     * call inside the relay's transaction.
     */
    public static void record(DSLContext tx, UUID tenantId, long revision, Map<String, byte[]> sha256ByCluster) {
        if (sha256ByCluster.isEmpty()) {
            return;
        }
        OffsetDateTime now = OffsetDateTime.now();
        var insert = tx.insertInto(PUBLISHED_CONFIGS, PUBLISHED_CONFIGS.TENANT_ID, PUBLISHED_CONFIGS.CLUSTER,
                PUBLISHED_CONFIGS.REVISION, PUBLISHED_CONFIGS.CONFIG_SHA256, PUBLISHED_CONFIGS.PUBLISHED_AT);
        for (Map.Entry<String, byte[]> entry : sha256ByCluster.entrySet()) {
            insert = insert.values(tenantId, entry.getKey(), revision, entry.getValue(), now);
        }
        insert.onConflict(PUBLISHED_CONFIGS.TENANT_ID, PUBLISHED_CONFIGS.CLUSTER)
                .doUpdate()
                .set(PUBLISHED_CONFIGS.REVISION, DSL.excluded(PUBLISHED_CONFIGS.REVISION))
                .set(PUBLISHED_CONFIGS.CONFIG_SHA256, DSL.excluded(PUBLISHED_CONFIGS.CONFIG_SHA256))
                .set(PUBLISHED_CONFIGS.PUBLISHED_AT, DSL.when(
                                PUBLISHED_CONFIGS.REVISION.eq(DSL.excluded(PUBLISHED_CONFIGS.REVISION))
                                        .and(PUBLISHED_CONFIGS.CONFIG_SHA256.eq(DSL.excluded(PUBLISHED_CONFIGS.CONFIG_SHA256))),
                                PUBLISHED_CONFIGS.PUBLISHED_AT)
                        .otherwise(DSL.excluded(PUBLISHED_CONFIGS.PUBLISHED_AT)))
                .where(PUBLISHED_CONFIGS.REVISION.le(DSL.excluded(PUBLISHED_CONFIGS.REVISION)))
                .execute();
    }
}

package dev.fedmesh.distributor.status;

import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.policy.compiler.DesiredConfigEnvelopes;
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

    /** Records every config just published for the tenant; call inside the relay's transaction. */
    public static void record(DSLContext tx, UUID tenantId, Map<String, DesiredConfig> configsByCluster) {
        OffsetDateTime now = OffsetDateTime.now();
        for (Map.Entry<String, DesiredConfig> entry : configsByCluster.entrySet()) {
            byte[] sha256 = DesiredConfigEnvelopes.sha256(DesiredConfigEnvelopes.deterministicBytes(entry.getValue()));
            tx.insertInto(PUBLISHED_CONFIGS)
                    .set(PUBLISHED_CONFIGS.TENANT_ID, tenantId)
                    .set(PUBLISHED_CONFIGS.CLUSTER, entry.getKey())
                    .set(PUBLISHED_CONFIGS.REVISION, entry.getValue().getRevision())
                    .set(PUBLISHED_CONFIGS.CONFIG_SHA256, sha256)
                    .set(PUBLISHED_CONFIGS.PUBLISHED_AT, now)
                    .onConflict(PUBLISHED_CONFIGS.TENANT_ID, PUBLISHED_CONFIGS.CLUSTER)
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
}

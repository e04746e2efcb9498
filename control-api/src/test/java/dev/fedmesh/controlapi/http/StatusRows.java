package dev.fedmesh.controlapi.http;

import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.impl.DSL;

import java.time.OffsetDateTime;
import java.util.UUID;

import static dev.fedmesh.db.jooq.Tables.CLUSTER_STATUS;
import static dev.fedmesh.db.jooq.Tables.PROXY_STATUS;
import static dev.fedmesh.db.jooq.Tables.PUBLISHED_CONFIGS;
import static dev.fedmesh.db.jooq.Tables.TENANT_PUBLISH_FAILURES;

/** Writes the rows the distributor writes when it publishes a config and when an agent reports. */
public final class StatusRows {
    private final DSLContext db;

    public StatusRows(DSLContext db) {
        this.db = db;
    }

    public void published(UUID tenant, String cluster, long revision, byte[] sha256) {
        db.insertInto(PUBLISHED_CONFIGS)
                .set(PUBLISHED_CONFIGS.TENANT_ID, tenant).set(PUBLISHED_CONFIGS.CLUSTER, cluster)
                .set(PUBLISHED_CONFIGS.REVISION, revision).set(PUBLISHED_CONFIGS.CONFIG_SHA256, sha256)
                .execute();
    }

    /** What the distributor stores for an agent's report: received now, by the database's clock. */
    public void reported(UUID tenant, String cluster, long revision, byte[] sha256) {
        OffsetDateTime at = OffsetDateTime.now();
        db.insertInto(CLUSTER_STATUS)
                .set(CLUSTER_STATUS.TENANT_ID, tenant).set(CLUSTER_STATUS.CLUSTER, cluster)
                .set(CLUSTER_STATUS.APPLIED_REVISION, revision).set(CLUSTER_STATUS.CONFIG_SHA256, sha256)
                .set(CLUSTER_STATUS.APPLIED_AT, at).set(CLUSTER_STATUS.XDS_VERSION, revision + ".0-abc")
                .set(CLUSTER_STATUS.HEARTBEAT_SEQUENCE, 1L).set(CLUSTER_STATUS.REPORTED_AT, at)
                .set(CLUSTER_STATUS.RECEIVED_AT, DSL.currentOffsetDateTime())
                .onConflict(CLUSTER_STATUS.TENANT_ID, CLUSTER_STATUS.CLUSTER).doUpdate()
                .set(CLUSTER_STATUS.RECEIVED_AT, DSL.currentOffsetDateTime())
                .execute();
    }

    /** What the distributor records when it parks a tenant whose publish failed {@code attempts} times. */
    public void publishFailed(UUID tenant, String code, String message, int attempts) {
        OffsetDateTime now = OffsetDateTime.now();
        db.insertInto(TENANT_PUBLISH_FAILURES)
                .set(TENANT_PUBLISH_FAILURES.TENANT_ID, tenant)
                .set(TENANT_PUBLISH_FAILURES.FAILING_SINCE, now.minusMinutes(5))
                .set(TENANT_PUBLISH_FAILURES.ATTEMPTS, attempts)
                .set(TENANT_PUBLISH_FAILURES.ERROR_CODE, code)
                .set(TENANT_PUBLISH_FAILURES.LAST_ERROR, message)
                .set(TENANT_PUBLISH_FAILURES.LAST_ATTEMPT_AT, now)
                .set(TENANT_PUBLISH_FAILURES.NEXT_ATTEMPT_AT, now.plusMinutes(1))
                .set(TENANT_PUBLISH_FAILURES.RETRY_ON_CHANGE_AT, now.plusSeconds(1))
                .set(TENANT_PUBLISH_FAILURES.LAST_OUTBOX_ID, 1L)
                .execute();
    }

    /** What the distributor does when it publishes the tenant again. */
    public void publishedAgain(UUID tenant) {
        db.deleteFrom(TENANT_PUBLISH_FAILURES).where(TENANT_PUBLISH_FAILURES.TENANT_ID.eq(tenant)).execute();
    }

    public void proxy(UUID tenant, String cluster, String node, String state, String error) {
        db.insertInto(PROXY_STATUS)
                .set(PROXY_STATUS.TENANT_ID, tenant).set(PROXY_STATUS.CLUSTER, cluster)
                .set(PROXY_STATUS.NODE_ID, node).set(PROXY_STATUS.STATE, state).set(PROXY_STATUS.ERROR, error)
                .set(PROXY_STATUS.TYPES, JSONB.valueOf("[{\"typeUrl\": \"type.googleapis.com/envoy.config.listener.v3.Listener\","
                        + " \"ackedVersion\": \"5.0-abc\", \"sentVersion\": \"5.0-abc\", \"nackedVersion\": \"\","
                        + " \"error\": \"\"}]"))
                .set(PROXY_STATUS.CONNECTED_AT, OffsetDateTime.now())
                .execute();
    }
}

package dev.fedmesh.distributor.status;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Timestamp;
import dev.fedmesh.api.v1.ClusterStatus;
import dev.fedmesh.api.v1.ProxyStatus;
import dev.fedmesh.api.v1.ResourceTypeStatus;
import dev.fedmesh.policy.document.PolicyJson;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.impl.DSL;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.UUID;

import static dev.fedmesh.db.jooq.Tables.CLUSTER_STATUS;
import static dev.fedmesh.db.jooq.Tables.PROXY_STATUS;
import static dev.fedmesh.db.jooq.Tables.TENANTS;

/**
 * Keeps each cluster's newest agent report in PostgreSQL: the cluster_status row and its
 * proxy_status rows, replaced whole and only by a newer report (by reported_at, then heartbeat
 * sequence), so a duplicate or out-of-order delivery changes nothing.
 */
public final class ClusterStatusStore {
    private final DSLContext dsl;

    public ClusterStatusStore(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** What storing a report did. */
    public enum Outcome { STORED, OLDER_THAN_STORED, UNKNOWN_TENANT }

    /** Stores the report of a cluster of {@code tenant}, in one transaction. */
    public Outcome store(String tenant, ClusterStatus report) {
        return dsl.transactionResult(configuration -> {
            DSLContext tx = configuration.dsl();
            Optional<UUID> tenantId = tx.select(TENANTS.ID).from(TENANTS).where(TENANTS.NAME.eq(tenant))
                    .fetchOptional(TENANTS.ID);
            if (tenantId.isEmpty()) {
                return Outcome.UNKNOWN_TENANT;
            }
            int stored = tx.insertInto(CLUSTER_STATUS)
                    .set(CLUSTER_STATUS.TENANT_ID, tenantId.get())
                    .set(CLUSTER_STATUS.CLUSTER, report.getCluster())
                    .set(CLUSTER_STATUS.APPLIED_REVISION, report.getAppliedRevision())
                    .set(CLUSTER_STATUS.CONFIG_SHA256, report.getConfigSha256().isEmpty() ? null
                            : report.getConfigSha256().toByteArray())
                    .set(CLUSTER_STATUS.APPLIED_AT, report.hasAppliedAt() ? time(report.getAppliedAt()) : null)
                    .set(CLUSTER_STATUS.XDS_VERSION, report.getXdsVersion())
                    .set(CLUSTER_STATUS.LAST_REFUSAL, report.getLastRefusal().isEmpty() ? null : report.getLastRefusal())
                    .set(CLUSTER_STATUS.HEARTBEAT_SEQUENCE, report.getHeartbeatSequence())
                    .set(CLUSTER_STATUS.REPORTED_AT, time(report.getReportedAt()))
                    .set(CLUSTER_STATUS.RECEIVED_AT, DSL.currentOffsetDateTime())
                    .onConflict(CLUSTER_STATUS.TENANT_ID, CLUSTER_STATUS.CLUSTER)
                    .doUpdate()
                    .set(CLUSTER_STATUS.APPLIED_REVISION, DSL.excluded(CLUSTER_STATUS.APPLIED_REVISION))
                    .set(CLUSTER_STATUS.CONFIG_SHA256, DSL.excluded(CLUSTER_STATUS.CONFIG_SHA256))
                    .set(CLUSTER_STATUS.APPLIED_AT, DSL.excluded(CLUSTER_STATUS.APPLIED_AT))
                    .set(CLUSTER_STATUS.XDS_VERSION, DSL.excluded(CLUSTER_STATUS.XDS_VERSION))
                    .set(CLUSTER_STATUS.LAST_REFUSAL, DSL.excluded(CLUSTER_STATUS.LAST_REFUSAL))
                    .set(CLUSTER_STATUS.HEARTBEAT_SEQUENCE, DSL.excluded(CLUSTER_STATUS.HEARTBEAT_SEQUENCE))
                    .set(CLUSTER_STATUS.REPORTED_AT, DSL.excluded(CLUSTER_STATUS.REPORTED_AT))
                    .set(CLUSTER_STATUS.RECEIVED_AT, DSL.excluded(CLUSTER_STATUS.RECEIVED_AT))
                    .where(DSL.row(CLUSTER_STATUS.REPORTED_AT, CLUSTER_STATUS.HEARTBEAT_SEQUENCE)
                            .lt(DSL.row(DSL.excluded(CLUSTER_STATUS.REPORTED_AT),
                                    DSL.excluded(CLUSTER_STATUS.HEARTBEAT_SEQUENCE))))
                    .execute();
            if (stored == 0) {
                return Outcome.OLDER_THAN_STORED;
            }
            tx.deleteFrom(PROXY_STATUS)
                    .where(PROXY_STATUS.TENANT_ID.eq(tenantId.get()).and(PROXY_STATUS.CLUSTER.eq(report.getCluster())))
                    .execute();
            for (ProxyStatus proxy : report.getProxiesList()) {
                tx.insertInto(PROXY_STATUS)
                        .set(PROXY_STATUS.TENANT_ID, tenantId.get())
                        .set(PROXY_STATUS.CLUSTER, report.getCluster())
                        .set(PROXY_STATUS.NODE_ID, proxy.getNodeId())
                        .set(PROXY_STATUS.STATE, proxy.getState().name())
                        .set(PROXY_STATUS.ERROR, proxy.getError().isEmpty() ? null : proxy.getError())
                        .set(PROXY_STATUS.TYPES, JSONB.valueOf(PolicyJson.toText(types(proxy))))
                        .set(PROXY_STATUS.CONNECTED_AT, proxy.hasConnectedAt() ? time(proxy.getConnectedAt()) : null)
                        .onConflictDoNothing()
                        .execute();
            }
            return Outcome.STORED;
        });
    }

    private static ArrayNode types(ProxyStatus proxy) {
        ArrayNode types = JsonNodeFactory.instance.arrayNode();
        for (ResourceTypeStatus type : proxy.getTypesList()) {
            ObjectNode json = types.addObject();
            json.put("typeUrl", type.getTypeUrl());
            json.put("ackedVersion", type.getAckedVersion());
            json.put("sentVersion", type.getSentVersion());
            json.put("nackedVersion", type.getNackedVersion());
            json.put("error", type.getError());
        }
        return types;
    }

    private static OffsetDateTime time(Timestamp timestamp) {
        return OffsetDateTime.ofInstant(Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos()),
                ZoneOffset.UTC);
    }
}

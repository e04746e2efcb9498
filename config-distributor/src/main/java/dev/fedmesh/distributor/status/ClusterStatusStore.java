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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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

    /** One agent's report, sent on {@code tenant}'s status topic. */
    public record TenantReport(String tenant, ClusterStatus report) {
    }

    /** Stores the report of a cluster of {@code tenant}, in one transaction. */
    public Outcome store(String tenant, ClusterStatus report) {
        return storeAll(List.of(new TenantReport(tenant, report))).get(0);
    }

    /**
     * Stores several reports in one transaction (one commit for a burst of reports, as after a
     * change every cluster reports at once); returns each one's outcome, in order. Either all are
     * stored or, on an error, none.
     */
    public List<Outcome> storeAll(List<TenantReport> reports) {
        return dsl.transactionResult(configuration -> {
            DSLContext tx = configuration.dsl();
            Map<String, Optional<UUID>> tenantIds = new HashMap<>();
            List<Outcome> outcomes = new ArrayList<>(reports.size());
            for (TenantReport report : reports) {
                Optional<UUID> tenantId = tenantIds.computeIfAbsent(report.tenant(), tenant -> tx.select(TENANTS.ID)
                        .from(TENANTS).where(TENANTS.NAME.eq(tenant)).fetchOptional(TENANTS.ID));
                outcomes.add(tenantId.isEmpty() ? Outcome.UNKNOWN_TENANT : store(tx, tenantId.get(), report.report()));
            }
            return outcomes;
        });
    }

    /** Whether {@code report} replaces {@code stored}: it was reported later, or at the same time with a later heartbeat. */
    public static boolean isNewer(ClusterStatus report, ClusterStatus stored) {
        int byTime = Comparator.comparingLong(Timestamp::getSeconds).thenComparingInt(Timestamp::getNanos)
                .compare(report.getReportedAt(), stored.getReportedAt());
        return byTime > 0 || (byTime == 0 && report.getHeartbeatSequence() > stored.getHeartbeatSequence());
    }

    private static Outcome store(DSLContext tx, UUID tenantId, ClusterStatus report) {
        int stored = tx.insertInto(CLUSTER_STATUS)
                .set(CLUSTER_STATUS.TENANT_ID, tenantId)
                .set(CLUSTER_STATUS.CLUSTER, report.getCluster())
                .set(CLUSTER_STATUS.APPLIED_REVISION, report.getAppliedRevision())
                .set(CLUSTER_STATUS.CONFIG_SHA256, report.getConfigSha256().isEmpty() ? null
                        : report.getConfigSha256().toByteArray())
                .set(CLUSTER_STATUS.APPLIED_AT, report.hasAppliedAt() ? time(report.getAppliedAt()) : null)
                .set(CLUSTER_STATUS.XDS_VERSION, report.getXdsVersion())
                .set(CLUSTER_STATUS.LAST_REFUSAL, report.getLastRefusal().isEmpty() ? null : report.getLastRefusal())
                .set(CLUSTER_STATUS.HEARTBEAT_SEQUENCE, report.getHeartbeatSequence())
                .set(CLUSTER_STATUS.INTERMEDIATE_NOT_AFTER, report.hasIntermediateNotAfter()
                        ? time(report.getIntermediateNotAfter()) : null)
                .set(CLUSTER_STATUS.SVID_ROOT_SHA256, report.getSvidRootSha256().size() == 32
                        ? report.getSvidRootSha256().toByteArray() : null)
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
                .set(CLUSTER_STATUS.INTERMEDIATE_NOT_AFTER, DSL.excluded(CLUSTER_STATUS.INTERMEDIATE_NOT_AFTER))
                .set(CLUSTER_STATUS.SVID_ROOT_SHA256, DSL.excluded(CLUSTER_STATUS.SVID_ROOT_SHA256))
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
                .where(PROXY_STATUS.TENANT_ID.eq(tenantId).and(PROXY_STATUS.CLUSTER.eq(report.getCluster())))
                .execute();
        if (report.getProxiesCount() == 0) {
            return Outcome.STORED;
        }
        var proxies = tx.insertInto(PROXY_STATUS, PROXY_STATUS.TENANT_ID, PROXY_STATUS.CLUSTER, PROXY_STATUS.NODE_ID,
                PROXY_STATUS.STATE, PROXY_STATUS.ERROR, PROXY_STATUS.TYPES, PROXY_STATUS.CONNECTED_AT);
        for (ProxyStatus proxy : report.getProxiesList()) {
            proxies = proxies.values(tenantId, report.getCluster(), proxy.getNodeId(), proxy.getState().name(),
                    proxy.getError().isEmpty() ? null : proxy.getError(), JSONB.valueOf(PolicyJson.toText(types(proxy))),
                    proxy.hasConnectedAt() ? time(proxy.getConnectedAt()) : null);
        }
        proxies.onConflictDoNothing().execute();
        return Outcome.STORED;
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

package dev.fedmesh.distributor.status;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Timestamp;
import dev.fedmesh.api.v1.ClusterStatus;
import dev.fedmesh.api.v1.ProxyStatus;
import dev.fedmesh.api.v1.ResourceTypeStatus;
import dev.fedmesh.db.Transactions;
import dev.fedmesh.policy.document.PolicyJson;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.impl.DSL;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static dev.fedmesh.db.jooq.Tables.CLUSTER_STATUS;
import static dev.fedmesh.db.jooq.Tables.PROXY_STATUS;

/**
 * Keeps each cluster's newest agent report in PostgreSQL: the cluster_status row and its
 * proxy_status rows, replaced whole and only by a report the broker took later (by the broker's
 * append time, then offset), so a duplicate, an out-of-order delivery or an agent's clock set to
 * year 9999 changes nothing. Reports are stored as {@link ReportBounds} bounds them; only reports of
 * registered clusters are stored (a foreign key says so).
 */
public final class ClusterStatusStore {
    private final DSLContext dsl;

    public ClusterStatusStore(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** What storing a report did. */
    public enum Outcome { STORED, OLDER_THAN_STORED }

    /**
     * One authenticated report of a cluster of the tenant with id {@code tenantId}, where the broker
     * put it: {@code brokerTime} (its append time) and {@code offset} on the tenant's status topic.
     */
    public record TenantReport(UUID tenantId, String tenant, ClusterStatus report, Instant brokerTime, long offset) {

        /** Whether the broker took this report after {@code other}. */
        public boolean isLaterThan(TenantReport other) {
            return BY_BROKER.compare(this, other) > 0;
        }

        private static final Comparator<TenantReport> BY_BROKER =
                Comparator.comparing(TenantReport::brokerTime).thenComparingLong(TenantReport::offset);
    }

    /**
     * Stores several reports in one transaction (one commit for a burst of reports, as after a
     * change every cluster reports at once); returns each one's outcome, in order. Either all are
     * stored or, on an error, none. The burst costs the same few statements however many clusters
     * report: one upsert of every cluster_status row, one delete and one insert of the proxy_status
     * rows of those it replaced. Of two reports of one cluster, only the later can be stored.
     */
    public List<Outcome> storeAll(List<TenantReport> reports) {
        return Transactions.result(dsl, configuration -> {
            DSLContext tx = configuration.dsl();
            Map<ClusterKey, TenantReport> newest = new LinkedHashMap<>();
            for (TenantReport report : reports) {
                newest.merge(ClusterKey.of(report), report, (kept, later) -> later.isLaterThan(kept) ? later : kept);
            }
            Set<ClusterKey> stored = newest.isEmpty() ? Set.of() : upsert(tx, newest);
            replaceProxies(tx, newest, stored);
            List<Outcome> outcomes = new ArrayList<>(reports.size());
            for (TenantReport report : reports) {
                ClusterKey key = ClusterKey.of(report);
                outcomes.add(stored.contains(key) && newest.get(key) == report ? Outcome.STORED : Outcome.OLDER_THAN_STORED);
            }
            return outcomes;
        });
    }

    private record ClusterKey(UUID tenantId, String cluster) {
        static ClusterKey of(TenantReport report) {
            return new ClusterKey(report.tenantId(), report.report().getCluster());
        }
    }

    /** Writes each report over its cluster's row where the broker took it later; returns the clusters whose row it wrote. */
    private static Set<ClusterKey> upsert(DSLContext tx, Map<ClusterKey, TenantReport> reports) {
        var insert = tx.insertInto(CLUSTER_STATUS, CLUSTER_STATUS.TENANT_ID, CLUSTER_STATUS.CLUSTER,
                CLUSTER_STATUS.APPLIED_REVISION, CLUSTER_STATUS.CONFIG_SHA256, CLUSTER_STATUS.APPLIED_AT,
                CLUSTER_STATUS.XDS_VERSION, CLUSTER_STATUS.LAST_REFUSAL, CLUSTER_STATUS.HEARTBEAT_SEQUENCE,
                CLUSTER_STATUS.INTERMEDIATE_NOT_AFTER, CLUSTER_STATUS.SVID_ROOT_SHA256, CLUSTER_STATUS.REPORTED_AT,
                CLUSTER_STATUS.RECEIVED_AT, CLUSTER_STATUS.BROKER_TIME, CLUSTER_STATUS.STATUS_OFFSET,
                CLUSTER_STATUS.PROXIES_TOTAL, CLUSTER_STATUS.PROXIES_SYNCED, CLUSTER_STATUS.PROXIES_STALE,
                CLUSTER_STATUS.PROXIES_NACKED, CLUSTER_STATUS.APPLY_FAILURE_REVISION, CLUSTER_STATUS.APPLY_FAILURE_ERROR,
                CLUSTER_STATUS.APPLY_FAILURE_AT, CLUSTER_STATUS.APPLY_FAILURE_ATTEMPTS);
        for (Map.Entry<ClusterKey, TenantReport> entry : reports.entrySet()) {
            ClusterStatus report = entry.getValue().report();
            boolean failing = report.hasApplyFailure();
            insert = insert.values(DSL.val(entry.getKey().tenantId(), CLUSTER_STATUS.TENANT_ID),
                    DSL.val(report.getCluster(), CLUSTER_STATUS.CLUSTER),
                    DSL.val(report.getAppliedRevision(), CLUSTER_STATUS.APPLIED_REVISION),
                    DSL.val(report.getConfigSha256().size() == 32 ? report.getConfigSha256().toByteArray() : null,
                            CLUSTER_STATUS.CONFIG_SHA256),
                    DSL.val(report.hasAppliedAt() ? time(report.getAppliedAt()) : null, CLUSTER_STATUS.APPLIED_AT),
                    DSL.val(report.getXdsVersion(), CLUSTER_STATUS.XDS_VERSION),
                    DSL.val(report.getLastRefusal().isEmpty() ? null : report.getLastRefusal(), CLUSTER_STATUS.LAST_REFUSAL),
                    DSL.val(report.getHeartbeatSequence(), CLUSTER_STATUS.HEARTBEAT_SEQUENCE),
                    DSL.val(report.hasIntermediateNotAfter() ? time(report.getIntermediateNotAfter()) : null,
                            CLUSTER_STATUS.INTERMEDIATE_NOT_AFTER),
                    DSL.val(report.getSvidRootSha256().size() == 32 ? report.getSvidRootSha256().toByteArray() : null,
                            CLUSTER_STATUS.SVID_ROOT_SHA256),
                    // Shown as the agent's clock; without one (or one out of range) the broker's time stands in.
                    DSL.val(report.hasReportedAt() ? time(report.getReportedAt())
                            : entry.getValue().brokerTime().atOffset(ZoneOffset.UTC), CLUSTER_STATUS.REPORTED_AT),
                    DSL.currentOffsetDateTime(),
                    DSL.val(entry.getValue().brokerTime().atOffset(ZoneOffset.UTC), CLUSTER_STATUS.BROKER_TIME),
                    DSL.val(entry.getValue().offset(), CLUSTER_STATUS.STATUS_OFFSET),
                    DSL.val(count(report.getProxyCounts().getTotal()), CLUSTER_STATUS.PROXIES_TOTAL),
                    DSL.val(count(report.getProxyCounts().getSynced()), CLUSTER_STATUS.PROXIES_SYNCED),
                    DSL.val(count(report.getProxyCounts().getStale()), CLUSTER_STATUS.PROXIES_STALE),
                    DSL.val(count(report.getProxyCounts().getNacked()), CLUSTER_STATUS.PROXIES_NACKED),
                    DSL.val(failing ? report.getApplyFailure().getRevision() : null, CLUSTER_STATUS.APPLY_FAILURE_REVISION),
                    DSL.val(failing ? report.getApplyFailure().getError() : null, CLUSTER_STATUS.APPLY_FAILURE_ERROR),
                    DSL.val(failing && report.getApplyFailure().hasFailedAt() ? time(report.getApplyFailure().getFailedAt())
                            : null, CLUSTER_STATUS.APPLY_FAILURE_AT),
                    DSL.val(failing ? count(report.getApplyFailure().getAttempts()) : null,
                            CLUSTER_STATUS.APPLY_FAILURE_ATTEMPTS));
        }
        return insert.onConflict(CLUSTER_STATUS.TENANT_ID, CLUSTER_STATUS.CLUSTER)
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
                .set(CLUSTER_STATUS.BROKER_TIME, DSL.excluded(CLUSTER_STATUS.BROKER_TIME))
                .set(CLUSTER_STATUS.STATUS_OFFSET, DSL.excluded(CLUSTER_STATUS.STATUS_OFFSET))
                .set(CLUSTER_STATUS.PROXIES_TOTAL, DSL.excluded(CLUSTER_STATUS.PROXIES_TOTAL))
                .set(CLUSTER_STATUS.PROXIES_SYNCED, DSL.excluded(CLUSTER_STATUS.PROXIES_SYNCED))
                .set(CLUSTER_STATUS.PROXIES_STALE, DSL.excluded(CLUSTER_STATUS.PROXIES_STALE))
                .set(CLUSTER_STATUS.PROXIES_NACKED, DSL.excluded(CLUSTER_STATUS.PROXIES_NACKED))
                .set(CLUSTER_STATUS.APPLY_FAILURE_REVISION, DSL.excluded(CLUSTER_STATUS.APPLY_FAILURE_REVISION))
                .set(CLUSTER_STATUS.APPLY_FAILURE_ERROR, DSL.excluded(CLUSTER_STATUS.APPLY_FAILURE_ERROR))
                .set(CLUSTER_STATUS.APPLY_FAILURE_AT, DSL.excluded(CLUSTER_STATUS.APPLY_FAILURE_AT))
                .set(CLUSTER_STATUS.APPLY_FAILURE_ATTEMPTS, DSL.excluded(CLUSTER_STATUS.APPLY_FAILURE_ATTEMPTS))
                .where(DSL.row(CLUSTER_STATUS.BROKER_TIME, CLUSTER_STATUS.STATUS_OFFSET)
                        .lt(DSL.row(DSL.excluded(CLUSTER_STATUS.BROKER_TIME), DSL.excluded(CLUSTER_STATUS.STATUS_OFFSET))))
                .returningResult(CLUSTER_STATUS.TENANT_ID, CLUSTER_STATUS.CLUSTER)
                .fetch(row -> new ClusterKey(row.value1(), row.value2()))
                .stream()
                .collect(Collectors.toSet());
    }

    /** Replaces the proxy_status rows of every cluster in {@code stored} by those its report lists. */
    private static void replaceProxies(DSLContext tx, Map<ClusterKey, TenantReport> reports, Set<ClusterKey> stored) {
        if (stored.isEmpty()) {
            return;
        }
        tx.deleteFrom(PROXY_STATUS)
                .where(DSL.row(PROXY_STATUS.TENANT_ID, PROXY_STATUS.CLUSTER).in(stored.stream()
                        .map(key -> DSL.row(key.tenantId(), key.cluster())).toList()))
                .execute();
        var proxies = tx.insertInto(PROXY_STATUS, PROXY_STATUS.TENANT_ID, PROXY_STATUS.CLUSTER, PROXY_STATUS.NODE_ID,
                PROXY_STATUS.STATE, PROXY_STATUS.ERROR, PROXY_STATUS.TYPES, PROXY_STATUS.CONNECTED_AT);
        int rows = 0;
        for (ClusterKey key : stored) {
            ClusterStatus report = reports.get(key).report();
            for (ProxyStatus proxy : report.getProxiesList()) {
                proxies = proxies.values(key.tenantId(), report.getCluster(), proxy.getNodeId(), proxy.getState().name(),
                        proxy.getError().isEmpty() ? null : proxy.getError(), JSONB.valueOf(PolicyJson.toText(types(proxy))),
                        proxy.hasConnectedAt() ? time(proxy.getConnectedAt()) : null);
                rows++;
            }
        }
        if (rows > 0) {
            proxies.onConflictDoNothing().execute();
        }
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

    /** A proto uint32 as the database's integer: the largest one for a count that does not fit. */
    private static int count(int unsigned) {
        return unsigned < 0 ? Integer.MAX_VALUE : unsigned;
    }

    private static OffsetDateTime time(Timestamp timestamp) {
        return OffsetDateTime.ofInstant(Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos()),
                ZoneOffset.UTC);
    }
}

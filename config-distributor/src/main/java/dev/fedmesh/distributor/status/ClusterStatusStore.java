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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

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
     * stored or, on an error, none. The burst costs the same few statements however many clusters
     * report: one upsert of every cluster_status row, one delete and one insert of the proxy_status
     * rows of those it replaced. Of two reports of one cluster, only the newer can be stored.
     */
    public List<Outcome> storeAll(List<TenantReport> reports) {
        return dsl.transactionResult(configuration -> {
            DSLContext tx = configuration.dsl();
            Set<String> names = new HashSet<>();
            reports.forEach(report -> names.add(report.tenant()));
            Map<String, UUID> tenantIds = tx.select(TENANTS.NAME, TENANTS.ID).from(TENANTS)
                    .where(TENANTS.NAME.in(names)).fetchMap(TENANTS.NAME, TENANTS.ID);
            Map<ClusterKey, ClusterStatus> newest = new LinkedHashMap<>();
            for (TenantReport report : reports) {
                UUID tenantId = tenantIds.get(report.tenant());
                if (tenantId != null) {
                    newest.merge(new ClusterKey(tenantId, report.report().getCluster()), report.report(),
                            (kept, later) -> isNewer(later, kept) ? later : kept);
                }
            }
            Set<ClusterKey> stored = newest.isEmpty() ? Set.of() : upsert(tx, newest);
            replaceProxies(tx, newest, stored);
            List<Outcome> outcomes = new ArrayList<>(reports.size());
            for (TenantReport report : reports) {
                UUID tenantId = tenantIds.get(report.tenant());
                if (tenantId == null) {
                    outcomes.add(Outcome.UNKNOWN_TENANT);
                    continue;
                }
                ClusterKey key = new ClusterKey(tenantId, report.report().getCluster());
                outcomes.add(stored.contains(key) && newest.get(key) == report.report()
                        ? Outcome.STORED : Outcome.OLDER_THAN_STORED);
            }
            return outcomes;
        });
    }

    private record ClusterKey(UUID tenantId, String cluster) {
    }

    /** Whether {@code report} replaces {@code stored}: it was reported later, or at the same time with a later heartbeat. */
    public static boolean isNewer(ClusterStatus report, ClusterStatus stored) {
        int byTime = Comparator.comparingLong(Timestamp::getSeconds).thenComparingInt(Timestamp::getNanos)
                .compare(report.getReportedAt(), stored.getReportedAt());
        return byTime > 0 || (byTime == 0 && report.getHeartbeatSequence() > stored.getHeartbeatSequence());
    }

    /** Writes each report over its cluster's row where it is newer; returns the clusters whose row it wrote. */
    private static Set<ClusterKey> upsert(DSLContext tx, Map<ClusterKey, ClusterStatus> reports) {
        var insert = tx.insertInto(CLUSTER_STATUS, CLUSTER_STATUS.TENANT_ID, CLUSTER_STATUS.CLUSTER,
                CLUSTER_STATUS.APPLIED_REVISION, CLUSTER_STATUS.CONFIG_SHA256, CLUSTER_STATUS.APPLIED_AT,
                CLUSTER_STATUS.XDS_VERSION, CLUSTER_STATUS.LAST_REFUSAL, CLUSTER_STATUS.HEARTBEAT_SEQUENCE,
                CLUSTER_STATUS.INTERMEDIATE_NOT_AFTER, CLUSTER_STATUS.SVID_ROOT_SHA256, CLUSTER_STATUS.REPORTED_AT,
                CLUSTER_STATUS.RECEIVED_AT);
        for (Map.Entry<ClusterKey, ClusterStatus> entry : reports.entrySet()) {
            ClusterStatus report = entry.getValue();
            insert = insert.values(DSL.val(entry.getKey().tenantId(), CLUSTER_STATUS.TENANT_ID),
                    DSL.val(report.getCluster(), CLUSTER_STATUS.CLUSTER),
                    DSL.val(report.getAppliedRevision(), CLUSTER_STATUS.APPLIED_REVISION),
                    DSL.val(report.getConfigSha256().isEmpty() ? null : report.getConfigSha256().toByteArray(),
                            CLUSTER_STATUS.CONFIG_SHA256),
                    DSL.val(report.hasAppliedAt() ? time(report.getAppliedAt()) : null, CLUSTER_STATUS.APPLIED_AT),
                    DSL.val(report.getXdsVersion(), CLUSTER_STATUS.XDS_VERSION),
                    DSL.val(report.getLastRefusal().isEmpty() ? null : report.getLastRefusal(), CLUSTER_STATUS.LAST_REFUSAL),
                    DSL.val(report.getHeartbeatSequence(), CLUSTER_STATUS.HEARTBEAT_SEQUENCE),
                    DSL.val(report.hasIntermediateNotAfter() ? time(report.getIntermediateNotAfter()) : null,
                            CLUSTER_STATUS.INTERMEDIATE_NOT_AFTER),
                    DSL.val(report.getSvidRootSha256().size() == 32 ? report.getSvidRootSha256().toByteArray() : null,
                            CLUSTER_STATUS.SVID_ROOT_SHA256),
                    DSL.val(time(report.getReportedAt()), CLUSTER_STATUS.REPORTED_AT),
                    DSL.currentOffsetDateTime());
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
                .where(DSL.row(CLUSTER_STATUS.REPORTED_AT, CLUSTER_STATUS.HEARTBEAT_SEQUENCE)
                        .lt(DSL.row(DSL.excluded(CLUSTER_STATUS.REPORTED_AT),
                                DSL.excluded(CLUSTER_STATUS.HEARTBEAT_SEQUENCE))))
                .returningResult(CLUSTER_STATUS.TENANT_ID, CLUSTER_STATUS.CLUSTER)
                .fetch(row -> new ClusterKey(row.value1(), row.value2()))
                .stream()
                .collect(Collectors.toSet());
    }

    /** Replaces the proxy_status rows of every cluster in {@code stored} by those its report lists. */
    private static void replaceProxies(DSLContext tx, Map<ClusterKey, ClusterStatus> reports, Set<ClusterKey> stored) {
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
            ClusterStatus report = reports.get(key);
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

    private static OffsetDateTime time(Timestamp timestamp) {
        return OffsetDateTime.ofInstant(Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos()),
                ZoneOffset.UTC);
    }
}

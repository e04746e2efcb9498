package dev.fedmesh.controlapi.store;

import dev.fedmesh.api.v1.ClusterInventory;
import dev.fedmesh.policy.document.PolicyDocument;
import dev.fedmesh.policy.enforcement.NotEnforcedWarnings;
import jakarta.inject.Singleton;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.impl.DSL;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;

import static dev.fedmesh.db.jooq.Tables.CLUSTERS;
import static dev.fedmesh.db.jooq.Tables.CLUSTER_STATUS;
import static dev.fedmesh.db.jooq.Tables.PROXY_STATUS;
import static dev.fedmesh.db.jooq.Tables.PUBLISHED_CONFIGS;
import static dev.fedmesh.db.jooq.Tables.STATUS_DEAD_LETTERS;
import static dev.fedmesh.db.jooq.Tables.TENANT_PUBLISH_FAILURES;

/**
 * Reads where a tenant's registered clusters stand, from what the distributor records: the configs
 * it published, the reports the agents sent, why the tenant's last publish failed, if it did, and
 * which policies the data plane does not enforce there, by the cluster's last inventory.
 * Written only by the distributor.
 */
@Singleton
public final class StatusStore {
    private final DSLContext dsl;
    private final InventoryStore inventories;

    public StatusStore(DSLContext dsl, InventoryStore inventories) {
        this.dsl = dsl;
        this.inventories = inventories;
    }

    /** Every registered cluster of the tenant, by name. */
    public List<StatusOfCluster> all(UUID tenantId) {
        return read(tenantId, DSL.noCondition(), DSL.noCondition());
    }

    /** One registered cluster; empty when the tenant has no such cluster. */
    public Optional<StatusOfCluster> find(UUID tenantId, String cluster) {
        return read(tenantId, CLUSTERS.NAME.eq(cluster), PROXY_STATUS.CLUSTER.eq(cluster)).stream().findFirst();
    }

    /** Why the tenant's changes are not being published, or empty while they are. */
    public Optional<TenantPublishFailure> publishFailure(UUID tenantId) {
        return dsl.selectFrom(TENANT_PUBLISH_FAILURES)
                .where(TENANT_PUBLISH_FAILURES.TENANT_ID.eq(tenantId))
                .fetchOptional(row -> new TenantPublishFailure(row.getErrorCode(), row.getLastError(), row.getFailingSince(),
                        row.getAttempts(), row.getLastAttemptAt(), row.getNextAttemptAt()));
    }

    /**
     * The status records of the tenant's agents that were not taken, per cluster and reason (see
     * {@code status_dead_letters}), most recent first.
     */
    public List<DeadLetter> deadLetters(UUID tenantId) {
        return dsl.selectFrom(STATUS_DEAD_LETTERS)
                .where(STATUS_DEAD_LETTERS.TENANT_ID.eq(tenantId))
                .orderBy(STATUS_DEAD_LETTERS.LAST_AT.desc(), STATUS_DEAD_LETTERS.CLUSTER, STATUS_DEAD_LETTERS.REASON)
                .fetch(row -> new DeadLetter(row.getCluster(), row.getReason(), row.getOccurrences(), row.getTopic(),
                        row.getPartition(), row.getRecordOffset(), row.getRecordBytes(), row.getDetail(),
                        row.getFirstAt(), row.getLastAt()));
    }

    /** Status records of one cluster not taken for one reason: how often, where the newest is, and why. */
    public record DeadLetter(String cluster, String reason, long occurrences, String topic, int partition, long offset,
                             int bytes, String detail, OffsetDateTime firstAt, OffsetDateTime lastAt) {
    }

    private List<StatusOfCluster> read(UUID tenantId, Condition clusters, Condition proxiesOfClusters) {
        Field<OffsetDateTime> now = DSL.currentOffsetDateTime().as("now");
        TenantPublishFailure publishFailure = publishFailure(tenantId).orElse(null);
        Map<String, ClusterInventory> inventoryOf = inventories.latest(tenantId);
        List<PolicyDocument> policies = inventoryOf.isEmpty() ? List.of() : PolicyStore.all(dsl, tenantId);
        Map<String, List<StatusOfCluster.Proxy>> proxies = dsl.selectFrom(PROXY_STATUS)
                .where(PROXY_STATUS.TENANT_ID.eq(tenantId))
                .and(proxiesOfClusters)
                // What needs attention first, as the agent lists them: NACKED, then STALE, then SYNCED.
                .orderBy(PROXY_STATUS.CLUSTER, DSL.when(PROXY_STATUS.STATE.eq("NACKED"), 0)
                        .when(PROXY_STATUS.STATE.eq("STALE"), 1).otherwise(2), PROXY_STATUS.NODE_ID)
                .fetch()
                .stream()
                .collect(Collectors.groupingBy(row -> row.getCluster(), Collectors.mapping(
                        row -> new StatusOfCluster.Proxy(row.getNodeId(), row.getState(), row.getError(),
                                row.getConnectedAt(), row.getTypes().data()),
                        Collectors.toList())));
        return dsl.select(CLUSTERS.NAME, PUBLISHED_CONFIGS.REVISION, PUBLISHED_CONFIGS.CONFIG_SHA256,
                        PUBLISHED_CONFIGS.PUBLISHED_AT, CLUSTER_STATUS.APPLIED_REVISION, CLUSTER_STATUS.CONFIG_SHA256,
                        CLUSTER_STATUS.APPLIED_AT, CLUSTER_STATUS.XDS_VERSION, CLUSTER_STATUS.LAST_REFUSAL,
                        CLUSTER_STATUS.RECEIVED_AT, CLUSTER_STATUS.PROXIES_TOTAL, CLUSTER_STATUS.PROXIES_SYNCED,
                        CLUSTER_STATUS.PROXIES_STALE, CLUSTER_STATUS.PROXIES_NACKED, CLUSTER_STATUS.APPLY_FAILURE_REVISION,
                        CLUSTER_STATUS.APPLY_FAILURE_ERROR, CLUSTER_STATUS.APPLY_FAILURE_AT,
                        CLUSTER_STATUS.APPLY_FAILURE_ATTEMPTS, now)
                .from(CLUSTERS)
                .leftJoin(PUBLISHED_CONFIGS).on(PUBLISHED_CONFIGS.TENANT_ID.eq(CLUSTERS.TENANT_ID)
                        .and(PUBLISHED_CONFIGS.CLUSTER.eq(CLUSTERS.NAME)))
                .leftJoin(CLUSTER_STATUS).on(CLUSTER_STATUS.TENANT_ID.eq(CLUSTERS.TENANT_ID)
                        .and(CLUSTER_STATUS.CLUSTER.eq(CLUSTERS.NAME)))
                .where(CLUSTERS.TENANT_ID.eq(tenantId)).and(clusters)
                .orderBy(CLUSTERS.NAME)
                .fetch(row -> new StatusOfCluster(
                        row.get(CLUSTERS.NAME),
                        row.get(PUBLISHED_CONFIGS.REVISION),
                        row.get(PUBLISHED_CONFIGS.CONFIG_SHA256),
                        row.get(PUBLISHED_CONFIGS.PUBLISHED_AT),
                        row.get(CLUSTER_STATUS.APPLIED_REVISION) == null || row.get(CLUSTER_STATUS.APPLIED_REVISION) < 0
                                ? null : row.get(CLUSTER_STATUS.APPLIED_REVISION),
                        row.get(CLUSTER_STATUS.CONFIG_SHA256),
                        row.get(CLUSTER_STATUS.APPLIED_AT),
                        row.get(CLUSTER_STATUS.XDS_VERSION),
                        row.get(CLUSTER_STATUS.LAST_REFUSAL),
                        row.get(CLUSTER_STATUS.RECEIVED_AT),
                        row.get(now),
                        proxies.getOrDefault(row.get(CLUSTERS.NAME), List.of()),
                        row.get(CLUSTER_STATUS.PROXIES_TOTAL) == null ? StatusOfCluster.ProxyCounts.NONE
                                : new StatusOfCluster.ProxyCounts(row.get(CLUSTER_STATUS.PROXIES_TOTAL),
                                row.get(CLUSTER_STATUS.PROXIES_SYNCED), row.get(CLUSTER_STATUS.PROXIES_STALE),
                                row.get(CLUSTER_STATUS.PROXIES_NACKED)),
                        row.get(CLUSTER_STATUS.APPLY_FAILURE_REVISION) == null ? null
                                : new StatusOfCluster.ApplyFailure(row.get(CLUSTER_STATUS.APPLY_FAILURE_REVISION),
                                row.get(CLUSTER_STATUS.APPLY_FAILURE_ERROR), row.get(CLUSTER_STATUS.APPLY_FAILURE_AT),
                                row.get(CLUSTER_STATUS.APPLY_FAILURE_ATTEMPTS) == null ? 0
                                        : row.get(CLUSTER_STATUS.APPLY_FAILURE_ATTEMPTS)),
                        publishFailure,
                        inventoryOf.containsKey(row.get(CLUSTERS.NAME))
                                ? NotEnforcedWarnings.onCluster(policies, row.get(CLUSTERS.NAME),
                                        inventoryOf.get(row.get(CLUSTERS.NAME)))
                                : List.of()));
    }
}

package dev.fedmesh.controlapi.federation;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.fedmesh.api.v1.ClusterInventory;
import dev.fedmesh.controlapi.http.ApiException;
import dev.fedmesh.controlapi.store.Tenant;
import dev.fedmesh.controlapi.store.TenantStore;
import dev.fedmesh.db.Transactions;
import dev.fedmesh.policy.document.PolicyDocument;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.document.Target;
import dev.fedmesh.policy.failover.Failover;
import dev.fedmesh.policy.failover.FailoverKind;
import dev.fedmesh.policy.failover.FailoverPlanner.Site;
import jakarta.inject.Singleton;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static dev.fedmesh.db.jooq.Tables.CLUSTERS;
import static dev.fedmesh.db.jooq.Tables.CLUSTER_INVENTORIES;
import static dev.fedmesh.db.jooq.Tables.POLICIES;
import static dev.fedmesh.db.jooq.Tables.SERVICES;

/**
 * Reads what a failover preview needs of one tenant, in one transaction: its clusters, their last
 * inventories (table {@code cluster_inventories}) and the service's Failover policy. Writes nothing.
 */
@Singleton
public final class FailoverPreviewStore {
    private static final Logger LOG = LoggerFactory.getLogger(FailoverPreviewStore.class);
    private final DSLContext dsl;
    private final TenantStore tenants;

    public FailoverPreviewStore(DSLContext dsl, TenantStore tenants) {
        this.dsl = dsl;
        this.tenants = tenants;
    }

    /**
     * The preview of {@code service} with {@code down} taken down. 404 when the tenant has no such
     * service (declared, targeted by a policy, or reported by a cluster); 400 naming {@code down}
     * when one of its values names no registered cluster.
     */
    public FailoverPreview preview(String tenantName, String service, List<String> down) {
        Tenant tenant = tenants.require(tenantName);
        return Transactions.result(dsl, configuration -> {
            DSLContext tx = configuration.dsl();
            List<Site> sites = tx.select(CLUSTERS.NAME, CLUSTERS.REGION, CLUSTERS.ZONE).from(CLUSTERS)
                    .where(CLUSTERS.TENANT_ID.eq(tenant.id()))
                    .orderBy(CLUSTERS.NAME)
                    .fetch(row -> new Site(row.value1(), row.value2(), row.value3()));
            Map<String, FailoverPreview.Reported> reported = inventories(tx, tenant);
            Optional<FailoverPreview.NamedFailover> policy = policy(tx, tenant.id(), service);
            if (policy.isEmpty() && !declaredOrTargeted(tx, tenant.id(), service)
                    && reported.values().stream().noneMatch(last -> runs(last, service))) {
                throw ApiException.notFound("Service '" + service + "'");
            }
            DownSelector selector = DownSelector.parse(down, sites);
            OffsetDateTime at = tx.select(DSL.currentOffsetDateTime()).fetchSingle().value1();
            return FailoverPreview.of(tenant.name(), service, sites, reported, policy, selector, at);
        });
    }

    private static Map<String, FailoverPreview.Reported> inventories(DSLContext tx, Tenant tenant) {
        Map<String, FailoverPreview.Reported> reported = new HashMap<>();
        tx.select(CLUSTER_INVENTORIES.CLUSTER, CLUSTER_INVENTORIES.INVENTORY, CLUSTER_INVENTORIES.BROKER_TIME)
                .from(CLUSTER_INVENTORIES)
                .where(CLUSTER_INVENTORIES.TENANT_ID.eq(tenant.id()))
                .forEach(row -> {
                    try {
                        reported.put(row.value1(), new FailoverPreview.Reported(
                                Optional.of(ClusterInventory.parseFrom(row.value2())), Optional.of(row.value3())));
                    } catch (InvalidProtocolBufferException e) {
                        // The distributor stores only inventories it parsed; one that is not counts as none.
                        LOG.warn("tenant={} cluster={}: the stored inventory does not parse ({}); the failover preview"
                                + " counts the cluster as running nothing until its agent reports again",
                                tenant.name(), row.value1(), e.getMessage());
                    }
                });
        return reported;
    }

    private static boolean runs(FailoverPreview.Reported last, String service) {
        return last.inventory().map(inventory -> FailoverPreview.count(inventory, service).total() > 0).orElse(false);
    }

    private static Optional<FailoverPreview.NamedFailover> policy(DSLContext tx, UUID tenantId, String service) {
        return tx.selectFrom(POLICIES)
                .where(POLICIES.TENANT_ID.eq(tenantId).and(POLICIES.KIND.eq(FailoverKind.NAME)))
                .orderBy(POLICIES.NAME)
                .fetch(row -> PolicyJson.fromStored(row.getKind(), row.getName(), row.getLabels().data(),
                        row.getTarget().data(), row.getFromSources().data(), row.getSpec().data()))
                .stream()
                .filter(document -> targets(document, service))
                .findFirst()
                .map(document -> new FailoverPreview.NamedFailover(document.name(), (Failover) document.spec()));
    }

    private static boolean declaredOrTargeted(DSLContext tx, UUID tenantId, String service) {
        if (tx.fetchExists(SERVICES, SERVICES.TENANT_ID.eq(tenantId).and(SERVICES.NAME.eq(service)))) {
            return true;
        }
        return tx.selectFrom(POLICIES).where(POLICIES.TENANT_ID.eq(tenantId))
                .fetch(row -> PolicyJson.fromStored(row.getKind(), row.getName(), row.getLabels().data(),
                        row.getTarget().data(), row.getFromSources().data(), row.getSpec().data()))
                .stream()
                .anyMatch(document -> targets(document, service));
    }

    private static boolean targets(PolicyDocument document, String service) {
        return document.target() instanceof Target.Service target && target.selector().service().equals(service);
    }
}

package dev.fedmesh.controlapi.trust;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fedmesh.controlapi.http.ApiException;
import dev.fedmesh.controlapi.store.Page;
import dev.fedmesh.controlapi.store.Tenant;
import dev.fedmesh.controlapi.store.TenantStore;
import dev.fedmesh.db.Transactions;
import dev.fedmesh.db.jooq.tables.records.RootRotationsRecord;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.document.Violation;
import jakarta.inject.Singleton;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.impl.DSL;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;

import static dev.fedmesh.db.jooq.Tables.AUDIT_LOG;
import static dev.fedmesh.db.jooq.Tables.CLUSTERS;
import static dev.fedmesh.db.jooq.Tables.CLUSTER_STATUS;
import static dev.fedmesh.db.jooq.Tables.ROOT_ROTATIONS;
import static dev.fedmesh.db.jooq.Tables.ROOT_ROTATION_PROGRESS;
import static dev.fedmesh.db.jooq.Tables.ROOT_ROTATION_SKIPS;
import static dev.fedmesh.db.jooq.Tables.TENANTS;

/**
 * Root rotations as the API starts and reads them (table {@code root_rotations}); the distributor
 * moves them through their stages and talks to the CA, control-api only writes the request.
 */
@Singleton
public final class RootRotationStore {
    /** The audit log's kind for rotations, as the distributor writes it for each stage. */
    public static final String AUDIT_KIND = "RootRotation";
    /** What skipping clusters of a rotation is called in a refusal: only owners may. */
    public static final String SKIP = "skip clusters of a root rotation";
    private static final List<String> FINISHED = List.of("done", "failed");

    private final DSLContext dsl;
    private final TenantStore tenants;

    public RootRotationStore(DSLContext dsl, TenantStore tenants) {
        this.dsl = dsl;
        this.tenants = tenants;
    }

    /**
     * Starts a rotation of the tenant's root, with its audit entry, in one transaction. The partial
     * unique index on open rotations decides a race: the loser is refused naming the winner.
     */
    public RootRotation start(String tenantName, String actor) {
        Tenant tenant = tenants.require(tenantName);
        UUID id = Transactions.result(dsl, configuration -> {
            DSLContext tx = configuration.dsl();
            Optional<RootRotationsRecord> inserted = tx.insertInto(ROOT_ROTATIONS)
                    .set(ROOT_ROTATIONS.TENANT_ID, tenant.id())
                    .set(ROOT_ROTATIONS.REQUESTED_BY, actor)
                    .onConflict(ROOT_ROTATIONS.TENANT_ID).where(ROOT_ROTATIONS.STAGE.notIn(FINISHED))
                    .doNothing()
                    .returning()
                    .fetchOptional();
            if (inserted.isEmpty()) {
                RootRotationsRecord open = tx.selectFrom(ROOT_ROTATIONS)
                        .where(ROOT_ROTATIONS.TENANT_ID.eq(tenant.id()).and(ROOT_ROTATIONS.STAGE.notIn(FINISHED)))
                        .fetchSingle();
                throw ApiException.conflict("rotation_in_progress", "Tenant '" + tenantName + "' already has root rotation "
                        + open.getId() + " in stage '" + open.getStage() + "': one rotation at a time. Follow it with"
                        + " GET /api/v1/tenants/" + tenantName + "/trust/root-rotations/" + open.getId()
                        + " and start the next one once it is done or failed");
            }
            RootRotationsRecord row = inserted.get();
            tx.insertInto(AUDIT_LOG)
                    .set(AUDIT_LOG.TENANT_ID, tenant.id())
                    .set(AUDIT_LOG.REVISION, DSL.select(TENANTS.REVISION).from(TENANTS).where(TENANTS.ID.eq(tenant.id())))
                    .set(AUDIT_LOG.ACTOR, actor)
                    .set(AUDIT_LOG.ACTION, "create")
                    .set(AUDIT_LOG.RESOURCE_KIND, AUDIT_KIND)
                    .set(AUDIT_LOG.RESOURCE_NAME, row.getId().toString())
                    .set(AUDIT_LOG.AFTER, DSL.jsonbObject(
                            DSL.key("tenant").value(tenantName),
                            DSL.key("stage").value(row.getStage()),
                            DSL.key("requestedBy").value(actor)))
                    .execute();
            return row.getId();
        });
        return require(tenant, id.toString());
    }

    /**
     * Tells an open rotation not to wait for {@code clusters} (e.g. ones that are down), with one audit
     * entry naming the clusters skipped before and after; clusters already skipped change nothing.
     * Refuses, changing nothing: an empty list or an unregistered cluster (400 naming {@code clusters}),
     * an unknown rotation (404), a finished one (409 {@code rotation_finished}).
     */
    public RootRotation skip(String tenantName, String id, List<String> clusters, String actor) {
        Tenant tenant = tenants.require(tenantName);
        UUID uuid = parseId(id);
        Transactions.result(dsl, configuration -> {
            DSLContext tx = configuration.dsl();
            RootRotationsRecord rotation = tx.selectFrom(ROOT_ROTATIONS)
                    .where(ROOT_ROTATIONS.TENANT_ID.eq(tenant.id()).and(ROOT_ROTATIONS.ID.eq(uuid)))
                    .forUpdate()
                    .fetchOptional()
                    .orElseThrow(() -> ApiException.notFound("Root rotation '" + id + "' of tenant '" + tenantName + "'"));
            if (FINISHED.contains(rotation.getStage())) {
                throw ApiException.conflict("rotation_finished", "Root rotation " + id + " is " + rotation.getStage()
                        + ": it waits for no cluster any more, so there is nothing to skip");
            }
            List<String> registered = tx.select(CLUSTERS.NAME).from(CLUSTERS)
                    .where(CLUSTERS.TENANT_ID.eq(tenant.id()).and(CLUSTERS.NAME.in(clusters)))
                    .fetch(CLUSTERS.NAME);
            List<Violation> violations = new ArrayList<>();
            if (clusters.isEmpty()) {
                violations.add(new Violation("clusters", "is empty: name at least one registered cluster to skip"));
            }
            for (String cluster : clusters) {
                if (!registered.contains(cluster)) {
                    violations.add(new Violation("clusters", "'" + cluster + "' is not a registered cluster of tenant '"
                            + tenantName + "': name clusters as GET /api/v1/tenants/" + tenantName + "/clusters lists them"));
                }
            }
            if (!violations.isEmpty()) {
                throw ApiException.invalid(violations);
            }
            List<String> before = skipped(tx, uuid);
            for (String cluster : new TreeSet<>(clusters)) {
                tx.insertInto(ROOT_ROTATION_SKIPS)
                        .set(ROOT_ROTATION_SKIPS.ROTATION_ID, uuid)
                        .set(ROOT_ROTATION_SKIPS.TENANT_ID, tenant.id())
                        .set(ROOT_ROTATION_SKIPS.CLUSTER, cluster)
                        .set(ROOT_ROTATION_SKIPS.SKIPPED_BY, actor)
                        .onConflictDoNothing()
                        .execute();
            }
            List<String> after = skipped(tx, uuid);
            if (!after.equals(before)) {
                tx.insertInto(AUDIT_LOG)
                        .set(AUDIT_LOG.TENANT_ID, tenant.id())
                        .set(AUDIT_LOG.REVISION, DSL.select(TENANTS.REVISION).from(TENANTS).where(TENANTS.ID.eq(tenant.id())))
                        .set(AUDIT_LOG.ACTOR, actor)
                        .set(AUDIT_LOG.ACTION, "update")
                        .set(AUDIT_LOG.RESOURCE_KIND, AUDIT_KIND)
                        .set(AUDIT_LOG.RESOURCE_NAME, id)
                        .set(AUDIT_LOG.BEFORE, skippedJson(tenantName, rotation.getStage(), before))
                        .set(AUDIT_LOG.AFTER, skippedJson(tenantName, rotation.getStage(), after))
                        .execute();
            }
            return after;
        });
        return require(tenant, id);
    }

    private static List<String> skipped(DSLContext tx, UUID rotation) {
        return tx.select(ROOT_ROTATION_SKIPS.CLUSTER).from(ROOT_ROTATION_SKIPS)
                .where(ROOT_ROTATION_SKIPS.ROTATION_ID.eq(rotation))
                .orderBy(ROOT_ROTATION_SKIPS.CLUSTER)
                .fetch(ROOT_ROTATION_SKIPS.CLUSTER);
    }

    /** The rotation's skipped clusters as the audit log records them. */
    private static JSONB skippedJson(String tenant, String stage, List<String> skipped) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("tenant", tenant);
        json.put("stage", stage);
        ArrayNode clusters = json.putArray("skippedClusters");
        skipped.forEach(clusters::add);
        return JSONB.jsonb(PolicyJson.toText(json));
    }

    /** One rotation of the tenant, by the id given in {@code id}; 400 naming the field for a malformed one, else 404. */
    public RootRotation require(Tenant tenant, String id) {
        UUID uuid = parseId(id);
        return dsl.selectFrom(ROOT_ROTATIONS)
                .where(ROOT_ROTATIONS.TENANT_ID.eq(tenant.id()).and(ROOT_ROTATIONS.ID.eq(uuid)))
                .fetchOptional()
                .map(row -> toRotation(row, tenant.name(), reports(List.of(row.getId())).getOrDefault(row.getId(), List.of())))
                .orElseThrow(() -> ApiException.notFound("Root rotation '" + id + "' of tenant '" + tenant.name() + "'"));
    }

    /** One page of the tenant's rotations, newest first. */
    public Page.Result<RootRotation> list(Tenant tenant, Page page) {
        Condition condition = ROOT_ROTATIONS.TENANT_ID.eq(tenant.id());
        if (page.after() != null) {
            Cursor after = Cursor.parse(page.after());
            condition = condition.and(DSL.row(ROOT_ROTATIONS.REQUESTED_AT, ROOT_ROTATIONS.ID).lt(after.requestedAt(), after.id()));
        }
        List<RootRotationsRecord> fetched = dsl.selectFrom(ROOT_ROTATIONS)
                .where(condition)
                .orderBy(ROOT_ROTATIONS.REQUESTED_AT.desc(), ROOT_ROTATIONS.ID.desc())
                .limit(page.limit() + 1)
                .fetch();
        Map<UUID, List<RootRotation.ClusterReport>> reports = reports(fetched.stream().map(RootRotationsRecord::getId).toList());
        List<RootRotation> rotations = fetched.stream()
                .map(row -> toRotation(row, tenant.name(), reports.getOrDefault(row.getId(), List.of())))
                .toList();
        return page.toResult(rotations, rotation -> new Cursor(rotation.requestedAt(), rotation.id()).toString());
    }

    /**
     * Per rotation, what each registered cluster of its tenant last reported and whether the
     * rotation's stage waits for it (view {@code root_rotation_progress}, the rule the distributor
     * moves rotations by), by cluster name.
     */
    private Map<UUID, List<RootRotation.ClusterReport>> reports(List<UUID> rotations) {
        if (rotations.isEmpty()) {
            return Map.of();
        }
        return dsl.selectFrom(ROOT_ROTATION_PROGRESS)
                .where(ROOT_ROTATION_PROGRESS.ROTATION_ID.in(rotations))
                .orderBy(ROOT_ROTATION_PROGRESS.CLUSTER)
                .fetchGroups(ROOT_ROTATION_PROGRESS.ROTATION_ID, row -> new RootRotation.ClusterReport(row.getCluster(),
                        row.getReporting(),
                        row.getAppliedRevision() == null || row.getAppliedRevision() < 0 ? null : row.getAppliedRevision(),
                        row.getSvidRootSha256(), row.getIntermediateNotAfter(), row.getReceivedAt(), row.getWaitedFor(),
                        row.getSkipped()));
    }

    private static RootRotation toRotation(RootRotationsRecord row, String tenant, List<RootRotation.ClusterReport> reports) {
        return new RootRotation(row.getId(), tenant, row.getStage(), row.getOldRootSha256(), row.getNewRootSha256(),
                row.getStageRevision(), row.getStageSince(), row.getRequestedBy(), row.getRequestedAt(),
                row.getFinishedAt(), row.getError(), reports);
    }

    private static UUID parseId(String id) {
        try {
            UUID uuid = UUID.fromString(id);
            if (uuid.toString().equalsIgnoreCase(id)) {
                return uuid;
            }
        } catch (IllegalArgumentException e) {
            // refused below
        }
        throw ApiException.invalid(List.of(new Violation("id", "'" + id + "' is not a rotation id: pass the id"
                + " (a UUID such as 1f0c9d2e-4b7a-4c55-9a0e-3d2b8c6f7e10) that starting or listing rotations answered")));
    }

    /** Where a page of rotations, newest first, continues: before this request time and id. */
    private record Cursor(OffsetDateTime requestedAt, UUID id) {
        static Cursor parse(String key) {
            int bar = key.indexOf('|');
            try {
                if (bar > 0) {
                    return new Cursor(OffsetDateTime.parse(key.substring(0, bar)), UUID.fromString(key.substring(bar + 1)));
                }
            } catch (DateTimeParseException | IllegalArgumentException e) {
                // refused below
            }
            throw ApiException.invalid(List.of(new Violation("pageToken",
                    "is not a token this API issued: pass back nextPageToken from the previous page unchanged")));
        }

        @Override
        public String toString() {
            return requestedAt.toInstant() + "|" + id;
        }
    }
}

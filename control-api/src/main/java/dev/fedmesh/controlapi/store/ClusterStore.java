package dev.fedmesh.controlapi.store;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fedmesh.controlapi.http.ApiException;
import dev.fedmesh.db.jooq.tables.records.ClustersRecord;
import dev.fedmesh.policy.compiler.ClusterInfo;
import dev.fedmesh.policy.document.PolicyJson;
import jakarta.inject.Singleton;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.impl.DSL;

import java.time.OffsetDateTime;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

import static dev.fedmesh.db.jooq.Tables.CLUSTERS;
import static dev.fedmesh.db.jooq.Tables.CLUSTER_INVENTORIES;
import static dev.fedmesh.db.jooq.Tables.CLUSTER_STATUS;
import static dev.fedmesh.db.jooq.Tables.INTERMEDIATES;

/** A tenant's clusters, and the bootstrap credentials of their agents (only their SHA-256 is kept). */
@Singleton
public final class ClusterStore {
    /** Bootstrap credentials start with this, so a leaked one is recognisable. */
    public static final String BOOTSTRAP_PREFIX = "fmb_";
    private final DSLContext dsl;

    public ClusterStore(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** A cluster just registered, with its agent's bootstrap credential: shown this once, never stored. */
    public record Registered(Cluster cluster, String bootstrapCredential) {
    }

    /** Registers a cluster within a tenant change; refuses a name already taken. */
    public Registered create(TenantChange change, ClusterSpec spec) {
        DSLContext tx = change.tx();
        boolean exists = tx.fetchExists(CLUSTERS, CLUSTERS.TENANT_ID.eq(change.tenantId()).and(CLUSTERS.NAME.eq(spec.name())));
        if (exists) {
            throw ApiException.conflict("already_exists", "Cluster '" + spec.name() + "' already exists in tenant '"
                    + change.tenantName() + "'");
        }
        String credential = Secrets.newSecret(BOOTSTRAP_PREFIX);
        ClustersRecord row = tx.insertInto(CLUSTERS)
                .set(CLUSTERS.TENANT_ID, change.tenantId())
                .set(CLUSTERS.NAME, spec.name())
                .set(CLUSTERS.REGION, spec.region())
                .set(CLUSTERS.ZONE, spec.zone())
                .set(CLUSTERS.NETWORK, spec.network())
                .set(CLUSTERS.EAST_WEST_GATEWAY, spec.eastWestGateway())
                .set(CLUSTERS.LABELS, JSONB.jsonb(PolicyJson.toText(PolicyJson.writeLabels(spec.labels()))))
                .set(CLUSTERS.RESOURCE_VERSION, change.revision())
                .set(CLUSTERS.BOOTSTRAP_SECRET_SHA256, Secrets.sha256(credential))
                .set(CLUSTERS.BOOTSTRAP_ISSUED_AT, OffsetDateTime.now())
                .returning()
                .fetchSingle();
        Cluster cluster = toCluster(row);
        change.audit("create", "Cluster", cluster.name(), null, ClusterJson.toText(cluster));
        return new Registered(cluster, credential);
    }

    /** The outcome of replacing a cluster's description: changed, or already exactly so. */
    public sealed interface ReplaceResult permits Replaced, AlreadyReplaced {
        Cluster cluster();
    }

    public record Replaced(Cluster cluster) implements ReplaceResult {
    }

    public record AlreadyReplaced(Cluster cluster) implements ReplaceResult, TenantStore.Unchanged {
    }

    /** Replaces an existing cluster's locality, network, east-west gateway and labels within a tenant change. */
    public ReplaceResult replace(TenantChange change, ClusterSpec spec, ResourceVersions.Expected expected) {
        DSLContext tx = change.tx();
        Optional<ClustersRecord> existing = tx.selectFrom(CLUSTERS)
                .where(CLUSTERS.TENANT_ID.eq(change.tenantId()).and(CLUSTERS.NAME.eq(spec.name())))
                .forUpdate()
                .fetchOptional();
        if (existing.isEmpty()) {
            throw ApiException.notFound("Cluster '" + spec.name() + "'");
        }
        if (expected != null) {
            expected.check("Cluster '" + spec.name() + "'", existing.get().getResourceVersion());
        }
        Cluster before = toCluster(existing.get());
        if (java.util.Objects.equals(before.region(), spec.region()) && java.util.Objects.equals(before.zone(), spec.zone())
                && java.util.Objects.equals(before.network(), spec.network())
                && java.util.Objects.equals(before.eastWestGateway(), spec.eastWestGateway())
                && before.labels().equals(spec.labels())) {
            return new AlreadyReplaced(before);
        }
        ClustersRecord row = tx.update(CLUSTERS)
                .set(CLUSTERS.REGION, spec.region())
                .set(CLUSTERS.ZONE, spec.zone())
                .set(CLUSTERS.NETWORK, spec.network())
                .set(CLUSTERS.EAST_WEST_GATEWAY, spec.eastWestGateway())
                .set(CLUSTERS.LABELS, JSONB.jsonb(PolicyJson.toText(PolicyJson.writeLabels(spec.labels()))))
                .set(CLUSTERS.RESOURCE_VERSION, change.revision())
                .set(CLUSTERS.UPDATED_AT, OffsetDateTime.now())
                .where(CLUSTERS.TENANT_ID.eq(change.tenantId()).and(CLUSTERS.NAME.eq(spec.name())))
                .returning()
                .fetchSingle();
        Cluster after = toCluster(row);
        change.audit("update", "Cluster", spec.name(), ClusterJson.toText(before), ClusterJson.toText(after));
        return new Replaced(after);
    }

    /**
     * Deregisters a cluster within a tenant change. Its agent gets no further config and keeps
     * serving the last one it had; its status, its published configs and its intermediates are
     * deleted with it (foreign keys), its reports are no longer taken, and its Kafka user loses its
     * access at the tenant's next publish, which the change queues.
     */
    public Cluster delete(TenantChange change, String name, ResourceVersions.Expected expected) {
        Optional<ClustersRecord> existing = change.tx().selectFrom(CLUSTERS)
                .where(CLUSTERS.TENANT_ID.eq(change.tenantId()).and(CLUSTERS.NAME.eq(name)))
                .forUpdate()
                .fetchOptional();
        if (existing.isEmpty()) {
            throw ApiException.notFound("Cluster '" + name + "'");
        }
        if (expected != null) {
            expected.check("Cluster '" + name + "'", existing.get().getResourceVersion());
        }
        change.tx().deleteFrom(CLUSTERS).where(CLUSTERS.TENANT_ID.eq(change.tenantId()).and(CLUSTERS.NAME.eq(name))).execute();
        Cluster before = toCluster(existing.get());
        change.audit("delete", "Cluster", name, ClusterJson.toText(before), null);
        return before;
    }

    /**
     * Issues a new bootstrap credential for a cluster's agent within a tenant change. Everything the
     * previous one proved goes with it: its agent's reports are no longer taken (and its last report
     * and last inventory are deleted, so the cluster shows no report and counts as running nothing
     * until the new agent sends them), its Kafka user loses
     * its access at the tenant's next publish (the change queues it), and every intermediate issued
     * to the cluster is revoked: none is renewed or re-issued under a new root, and the configs no
     * longer carry them. The new agent asks for its first intermediate with the new credential.
     */
    public String reissueBootstrapCredential(TenantChange change, String name) {
        String credential = Secrets.newSecret(BOOTSTRAP_PREFIX);
        int updated = change.tx().update(CLUSTERS)
                .set(CLUSTERS.BOOTSTRAP_SECRET_SHA256, Secrets.sha256(credential))
                .set(CLUSTERS.BOOTSTRAP_ISSUED_AT, OffsetDateTime.now())
                .setNull(CLUSTERS.BOOTSTRAP_USED_AT)
                .where(CLUSTERS.TENANT_ID.eq(change.tenantId()).and(CLUSTERS.NAME.eq(name)))
                .execute();
        if (updated == 0) {
            throw ApiException.notFound("Cluster '" + name + "'");
        }
        change.tx().deleteFrom(CLUSTER_STATUS)
                .where(CLUSTER_STATUS.TENANT_ID.eq(change.tenantId()).and(CLUSTER_STATUS.CLUSTER.eq(name)))
                .execute();
        change.tx().deleteFrom(CLUSTER_INVENTORIES)
                .where(CLUSTER_INVENTORIES.TENANT_ID.eq(change.tenantId()).and(CLUSTER_INVENTORIES.CLUSTER.eq(name)))
                .execute();
        change.tx().deleteFrom(INTERMEDIATES)
                .where(INTERMEDIATES.TENANT_ID.eq(change.tenantId()).and(INTERMEDIATES.CLUSTER.eq(name)))
                .execute();
        change.audit("update", "ClusterBootstrapCredential", name, null, null);
        return credential;
    }

    /** One page of a tenant's clusters ordered by name, optionally only those carrying {@code labels}. */
    public Page.Result<Cluster> list(UUID tenantId, Map<String, String> labels, Page page) {
        Condition condition = CLUSTERS.TENANT_ID.eq(tenantId);
        for (Map.Entry<String, String> label : labels.entrySet()) {
            condition = condition.and(DSL.jsonbGetAttributeAsText(CLUSTERS.LABELS, label.getKey()).eq(label.getValue()));
        }
        if (page.after() != null) {
            condition = condition.and(CLUSTERS.NAME.gt(page.after()));
        }
        List<Cluster> fetched = dsl.selectFrom(CLUSTERS)
                .where(condition)
                .orderBy(CLUSTERS.NAME)
                .limit(page.limit() + 1)
                .fetch(ClusterStore::toCluster);
        return page.toResult(fetched, Cluster::name);
    }

    public Optional<Cluster> find(UUID tenantId, String name) {
        return dsl.selectFrom(CLUSTERS)
                .where(CLUSTERS.TENANT_ID.eq(tenantId).and(CLUSTERS.NAME.eq(name)))
                .fetchOptional(ClusterStore::toCluster);
    }

    /** Every cluster of a tenant as the compiler sees it, read within a transaction. */
    static List<ClusterInfo> all(DSLContext tx, UUID tenantId) {
        return tx.selectFrom(CLUSTERS)
                .where(CLUSTERS.TENANT_ID.eq(tenantId))
                .fetch(row -> new ClusterInfo(row.getName(), row.getRegion(), row.getZone(), row.getNetwork(),
                        row.getEastWestGateway(), labels(row.getLabels())));
    }

    static Cluster toCluster(ClustersRecord row) {
        return new Cluster(row.getName(), row.getRegion(), row.getZone(), row.getNetwork(), row.getEastWestGateway(),
                labels(row.getLabels()),
                row.getResourceVersion(), row.getCreatedAt(), row.getUpdatedAt());
    }

    static Map<String, String> labels(JSONB json) {
        Map<String, String> labels = new TreeMap<>();
        JsonNode node = PolicyJson.parse(json.data());
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            labels.put(field.getKey(), field.getValue().asText());
        }
        return labels;
    }
}

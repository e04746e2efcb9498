package dev.fedmesh.controlapi.store;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fedmesh.controlapi.http.ApiException;
import dev.fedmesh.db.jooq.tables.records.ClustersRecord;
import dev.fedmesh.policy.document.PolicyJson;
import jakarta.inject.Singleton;
import org.jooq.DSLContext;
import org.jooq.JSONB;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

import static dev.fedmesh.db.jooq.Tables.CLUSTERS;

/** A tenant's clusters. */
@Singleton
public final class ClusterStore {
    private final DSLContext dsl;

    public ClusterStore(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** Registers a cluster within a tenant change; refuses a name already taken. */
    public Cluster create(TenantChange change, ClusterSpec spec) {
        DSLContext tx = change.tx();
        boolean exists = tx.fetchExists(CLUSTERS, CLUSTERS.TENANT_ID.eq(change.tenantId()).and(CLUSTERS.NAME.eq(spec.name())));
        if (exists) {
            throw ApiException.conflict("already_exists", "Cluster '" + spec.name() + "' already exists in tenant '"
                    + change.tenantName() + "'");
        }
        ClustersRecord row = tx.insertInto(CLUSTERS)
                .set(CLUSTERS.TENANT_ID, change.tenantId())
                .set(CLUSTERS.NAME, spec.name())
                .set(CLUSTERS.REGION, spec.region())
                .set(CLUSTERS.ZONE, spec.zone())
                .set(CLUSTERS.NETWORK, spec.network())
                .set(CLUSTERS.LABELS, JSONB.jsonb(PolicyJson.toText(PolicyJson.writeLabels(spec.labels()))))
                .set(CLUSTERS.RESOURCE_VERSION, change.revision())
                .returning()
                .fetchSingle();
        Cluster cluster = toCluster(row);
        change.audit("create", "Cluster", cluster.name(), null, ClusterJson.toText(cluster));
        return cluster;
    }

    public List<Cluster> list(UUID tenantId) {
        return dsl.selectFrom(CLUSTERS)
                .where(CLUSTERS.TENANT_ID.eq(tenantId))
                .orderBy(CLUSTERS.NAME)
                .fetch(ClusterStore::toCluster);
    }

    public Optional<Cluster> find(UUID tenantId, String name) {
        return dsl.selectFrom(CLUSTERS)
                .where(CLUSTERS.TENANT_ID.eq(tenantId).and(CLUSTERS.NAME.eq(name)))
                .fetchOptional(ClusterStore::toCluster);
    }

    static Cluster toCluster(ClustersRecord row) {
        return new Cluster(row.getName(), row.getRegion(), row.getZone(), row.getNetwork(), labels(row.getLabels()),
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

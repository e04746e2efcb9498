package dev.fedmesh.distributor.state;

import dev.fedmesh.db.jooq.tables.records.ClustersRecord;
import dev.fedmesh.db.jooq.tables.records.PoliciesRecord;
import dev.fedmesh.policy.compiler.ClusterInfo;
import dev.fedmesh.policy.compiler.TenantState;
import dev.fedmesh.policy.document.PolicyDocument;
import dev.fedmesh.policy.document.PolicyJson;
import org.jooq.DSLContext;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

import static dev.fedmesh.db.jooq.Tables.CLUSTERS;
import static dev.fedmesh.db.jooq.Tables.POLICIES;
import static dev.fedmesh.db.jooq.Tables.SERVICES;
import static dev.fedmesh.db.jooq.Tables.TENANTS;

/** Reads everything the compiler needs of one tenant; call it inside one snapshot transaction. */
public final class TenantStateReader {

    /** The tenant's state, or empty when the tenant no longer exists. */
    public Optional<TenantState> read(DSLContext tx, UUID tenantId) {
        var tenant = tx.selectFrom(TENANTS).where(TENANTS.ID.eq(tenantId)).fetchOptional();
        if (tenant.isEmpty()) {
            return Optional.empty();
        }
        List<ClusterInfo> clusters = tx.selectFrom(CLUSTERS)
                .where(CLUSTERS.TENANT_ID.eq(tenantId))
                .fetch(TenantStateReader::toCluster);
        List<String> services = tx.select(SERVICES.NAME).from(SERVICES)
                .where(SERVICES.TENANT_ID.eq(tenantId))
                .fetch(SERVICES.NAME);
        List<PolicyDocument> policies = tx.selectFrom(POLICIES)
                .where(POLICIES.TENANT_ID.eq(tenantId))
                .fetch(TenantStateReader::toPolicy);
        return Optional.of(new TenantState(tenant.get().getName(), tenant.get().getRevision(), clusters, services, policies));
    }

    private static ClusterInfo toCluster(ClustersRecord row) {
        Map<String, String> labels = new TreeMap<>();
        PolicyJson.parse(row.getLabels().data()).fields()
                .forEachRemaining(field -> labels.put(field.getKey(), field.getValue().asText()));
        return new ClusterInfo(row.getName(), row.getRegion(), row.getZone(), row.getNetwork(), labels);
    }

    private static PolicyDocument toPolicy(PoliciesRecord row) {
        return PolicyJson.fromStored(row.getKind(), row.getName(), row.getLabels().data(), row.getTarget().data(),
                row.getFromSources().data(), row.getSpec().data());
    }
}

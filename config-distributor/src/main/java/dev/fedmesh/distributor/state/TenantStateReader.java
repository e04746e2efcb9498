package dev.fedmesh.distributor.state;

import dev.fedmesh.db.jooq.tables.records.ClustersRecord;
import dev.fedmesh.db.jooq.tables.records.PoliciesRecord;
import dev.fedmesh.distributor.trust.ClusterIntermediates;
import dev.fedmesh.distributor.trust.TrustRoots;
import dev.fedmesh.policy.compiler.ClusterInfo;
import dev.fedmesh.policy.compiler.TenantState;
import dev.fedmesh.policy.compiler.TenantTrust;
import dev.fedmesh.policy.document.PolicyDocument;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.trust.spiffe.TrustDomain;
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

/**
 * Reads everything the compiler needs of one tenant, its trust domain, roots and clusters'
 * intermediates included; call it inside one snapshot transaction.
 */
public final class TenantStateReader {
    private final Optional<TrustRoots> roots;

    /** A reader whose configs carry the trust domain and intermediates but no roots (no CA to ask). */
    public TenantStateReader() {
        this.roots = Optional.empty();
    }

    /** A reader whose configs carry the roots {@code roots} gives for the tenant's trust domain. */
    public TenantStateReader(TrustRoots roots) {
        this.roots = Optional.of(roots);
    }

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
        TrustDomain trustDomain = TrustDomain.of(tenant.get().getTrustDomain());
        TenantTrust trust = roots
                .map(known -> known.bundle(tx, trustDomain))
                .map(bundle -> new TenantTrust(trustDomain.name(), bundle.rootsPem(), bundle.signingRootSha256()))
                .orElseGet(() -> new TenantTrust(trustDomain.name(), List.of()));
        return Optional.of(new TenantState(tenant.get().getName(), tenant.get().getRevision(), clusters, services, policies,
                trust, ClusterIntermediates.unexpired(tx, tenantId)));
    }

    private static ClusterInfo toCluster(ClustersRecord row) {
        Map<String, String> labels = new TreeMap<>();
        PolicyJson.parse(row.getLabels().data()).fields()
                .forEachRemaining(field -> labels.put(field.getKey(), field.getValue().asText()));
        return new ClusterInfo(row.getName(), row.getRegion(), row.getZone(), row.getNetwork(), row.getEastWestGateway(),
                labels);
    }

    private static PolicyDocument toPolicy(PoliciesRecord row) {
        return PolicyJson.fromStored(row.getKind(), row.getName(), row.getLabels().data(), row.getTarget().data(),
                row.getFromSources().data(), row.getSpec().data());
    }
}

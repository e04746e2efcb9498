package dev.fedmesh.distributor.status;

import dev.fedmesh.trust.credential.ClusterCredentialKeys;
import org.jooq.DSLContext;
import org.jooq.Record4;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static dev.fedmesh.db.jooq.Tables.CLUSTERS;
import static dev.fedmesh.db.jooq.Tables.TENANTS;

/**
 * The clusters that may report, as the database knows them when a batch of reports is read: each
 * tenant's id and, per registered cluster, the keys of its current bootstrap credential (none for a
 * cluster registered before credentials existed, which then cannot report).
 */
public record RegisteredClusters(Map<String, UUID> tenantIds, Map<String, Map<String, Optional<ClusterCredentialKeys>>> keys) {

    public RegisteredClusters {
        tenantIds = Map.copyOf(tenantIds);
        keys = Map.copyOf(keys);
    }

    /** The tenants named {@code tenants} and their clusters, in one query. */
    public static RegisteredClusters of(DSLContext dsl, Collection<String> tenants) {
        Map<String, UUID> ids = new HashMap<>();
        Map<String, Map<String, Optional<ClusterCredentialKeys>>> keys = new HashMap<>();
        for (Record4<String, UUID, String, byte[]> row : dsl.select(TENANTS.NAME, TENANTS.ID, CLUSTERS.NAME,
                        CLUSTERS.BOOTSTRAP_SECRET_SHA256)
                .from(TENANTS).leftJoin(CLUSTERS).on(CLUSTERS.TENANT_ID.eq(TENANTS.ID))
                .where(TENANTS.NAME.in(tenants))
                .fetch()) {
            ids.put(row.value1(), row.value2());
            Map<String, Optional<ClusterCredentialKeys>> ofTenant = keys.computeIfAbsent(row.value1(), tenant -> new HashMap<>());
            if (row.value3() != null) {
                ofTenant.put(row.value3(), Optional.ofNullable(row.value4()).map(ClusterCredentialKeys::ofSha256));
            }
        }
        return new RegisteredClusters(ids, keys);
    }

    /** The tenant's id; empty when no such tenant exists (any more). */
    public Optional<UUID> tenantId(String tenant) {
        return Optional.ofNullable(tenantIds.get(tenant));
    }

    /** Whether {@code cluster} is registered in {@code tenant}. */
    public boolean isRegistered(String tenant, String cluster) {
        return keys.getOrDefault(tenant, Map.of()).containsKey(cluster);
    }

    /** The keys of the cluster's current credential; empty when it is not registered or has none. */
    public Optional<ClusterCredentialKeys> keysOf(String tenant, String cluster) {
        return keys.getOrDefault(tenant, Map.of()).getOrDefault(cluster, Optional.empty());
    }
}

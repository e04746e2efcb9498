package dev.fedmesh.controlapi.store;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.fedmesh.api.v1.ClusterInventory;
import dev.fedmesh.policy.document.PolicyDocument;
import dev.fedmesh.policy.enforcement.NotEnforced;
import dev.fedmesh.policy.enforcement.NotEnforcedWarnings;
import jakarta.inject.Singleton;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import static dev.fedmesh.db.jooq.Tables.CLUSTER_INVENTORIES;

/**
 * The newest inventory of each of a tenant's clusters, as the distributor stores them (table
 * {@code cluster_inventories}), and what they say about where policies are not enforced. Reads only.
 */
@Singleton
public final class InventoryStore {
    private static final Logger LOG = LoggerFactory.getLogger(InventoryStore.class);
    private final DSLContext dsl;

    public InventoryStore(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** Each cluster's last inventory, by cluster name; a cluster that never reported is absent. */
    public Map<String, ClusterInventory> latest(UUID tenantId) {
        Map<String, ClusterInventory> inventories = new TreeMap<>();
        dsl.select(CLUSTER_INVENTORIES.CLUSTER, CLUSTER_INVENTORIES.INVENTORY)
                .from(CLUSTER_INVENTORIES)
                .where(CLUSTER_INVENTORIES.TENANT_ID.eq(tenantId))
                .forEach(row -> {
                    try {
                        inventories.put(row.value1(), ClusterInventory.parseFrom(row.value2()));
                    } catch (InvalidProtocolBufferException e) {
                        // The distributor stores only inventories it parsed; one that is not counts as none.
                        LOG.warn("tenant_id={} cluster={}: the stored inventory does not parse ({}); warnings about"
                                + " policies not enforced leave the cluster out until its agent reports again",
                                tenantId, row.value1(), e.getMessage());
                    }
                });
        return inventories;
    }

    /** What the data plane will not enforce of {@code policy}, and in which of the tenant's clusters. */
    public List<NotEnforced> notEnforced(UUID tenantId, PolicyDocument policy) {
        return NotEnforcedWarnings.of(policy, latest(tenantId));
    }
}

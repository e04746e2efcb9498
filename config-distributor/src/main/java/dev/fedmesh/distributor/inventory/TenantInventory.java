package dev.fedmesh.distributor.inventory;

import dev.fedmesh.api.v1.ClusterInventory;

import java.time.Instant;
import java.util.Comparator;
import java.util.UUID;

/**
 * One authenticated, bounded inventory of a registered cluster of the tenant with id
 * {@code tenantId}: the agent's bytes as they were sent, parsed, and where the broker put them
 * ({@code brokerTime}, its append time, then {@code offset} on the tenant's status topic), which is
 * what orders a cluster's inventories.
 */
public record TenantInventory(UUID tenantId, String tenant, ClusterInventory inventory, byte[] bytes, Instant brokerTime,
                              long offset) {

    private static final Comparator<TenantInventory> BY_BROKER =
            Comparator.comparing(TenantInventory::brokerTime).thenComparingLong(TenantInventory::offset);

    /** The cluster it speaks for. */
    public String cluster() {
        return inventory.getCluster();
    }

    /** Whether the broker took this inventory after {@code other}. */
    public boolean isLaterThan(TenantInventory other) {
        return BY_BROKER.compare(this, other) > 0;
    }
}

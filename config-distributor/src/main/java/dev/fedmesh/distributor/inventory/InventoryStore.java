package dev.fedmesh.distributor.inventory;

import dev.fedmesh.db.Transactions;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static dev.fedmesh.db.jooq.Tables.CLUSTER_INVENTORIES;

/**
 * Keeps each cluster's newest authenticated inventory in {@code cluster_inventories}, replaced whole
 * and only by one the broker took later (its append time, then offset), like cluster_status: a
 * duplicate or an inventory older than the stored one changes nothing. Only registered clusters
 * have a row (a foreign key says so), and a deleted cluster's row goes with it.
 */
public final class InventoryStore {

    private final DSLContext dsl;

    public InventoryStore(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** Which cluster of which tenant. */
    public record ClusterKey(UUID tenantId, String cluster) {
    }

    /** A stored inventory as it is republished: its bytes and the broker's time of the record it came in. */
    public record Stored(byte[] inventory, Instant brokerTime) {
    }

    /**
     * Stores several inventories in one transaction, of two of one cluster only the later; returns
     * those that replaced their cluster's row, in order. Either all are stored or, on an error, none.
     */
    public List<TenantInventory> storeAll(List<TenantInventory> inventories) {
        if (inventories.isEmpty()) {
            return List.of();
        }
        Map<ClusterKey, TenantInventory> newest = new LinkedHashMap<>();
        for (TenantInventory inventory : inventories) {
            newest.merge(new ClusterKey(inventory.tenantId(), inventory.cluster()), inventory,
                    (kept, later) -> later.isLaterThan(kept) ? later : kept);
        }
        Set<ClusterKey> written = Transactions.result(dsl, configuration -> upsert(configuration.dsl(), newest.values()));
        List<TenantInventory> stored = new ArrayList<>();
        newest.forEach((key, inventory) -> {
            if (written.contains(key)) {
                stored.add(inventory);
            }
        });
        return stored;
    }

    /** The stored inventory of the cluster; empty when it has none (or no longer exists). */
    public Optional<Stored> find(ClusterKey key) {
        return dsl.select(CLUSTER_INVENTORIES.INVENTORY, CLUSTER_INVENTORIES.BROKER_TIME).from(CLUSTER_INVENTORIES)
                .where(CLUSTER_INVENTORIES.TENANT_ID.eq(key.tenantId()).and(CLUSTER_INVENTORIES.CLUSTER.eq(key.cluster())))
                .fetchOptional(row -> new Stored(row.value1(), row.value2().toInstant()));
    }

    private static Set<ClusterKey> upsert(DSLContext tx, java.util.Collection<TenantInventory> inventories) {
        var insert = tx.insertInto(CLUSTER_INVENTORIES, CLUSTER_INVENTORIES.TENANT_ID, CLUSTER_INVENTORIES.CLUSTER,
                CLUSTER_INVENTORIES.INVENTORY, CLUSTER_INVENTORIES.GENERATION, CLUSTER_INVENTORIES.SERVICES,
                CLUSTER_INVENTORIES.ENDPOINTS, CLUSTER_INVENTORIES.HEALTHY, CLUSTER_INVENTORIES.BROKER_TIME,
                CLUSTER_INVENTORIES.STATUS_OFFSET, CLUSTER_INVENTORIES.RECEIVED_AT);
        for (TenantInventory inventory : inventories) {
            insert = insert.values(DSL.val(inventory.tenantId(), CLUSTER_INVENTORIES.TENANT_ID),
                    DSL.val(inventory.cluster(), CLUSTER_INVENTORIES.CLUSTER),
                    DSL.val(inventory.bytes(), CLUSTER_INVENTORIES.INVENTORY),
                    DSL.val(inventory.inventory().getGeneration(), CLUSTER_INVENTORIES.GENERATION),
                    DSL.val(inventory.inventory().getServicesCount(), CLUSTER_INVENTORIES.SERVICES),
                    DSL.val(InventoryBounds.endpoints(inventory.inventory()), CLUSTER_INVENTORIES.ENDPOINTS),
                    DSL.val(InventoryBounds.healthy(inventory.inventory()), CLUSTER_INVENTORIES.HEALTHY),
                    DSL.val(inventory.brokerTime().atOffset(ZoneOffset.UTC), CLUSTER_INVENTORIES.BROKER_TIME),
                    DSL.val(inventory.offset(), CLUSTER_INVENTORIES.STATUS_OFFSET),
                    DSL.currentOffsetDateTime());
        }
        return insert.onConflict(CLUSTER_INVENTORIES.TENANT_ID, CLUSTER_INVENTORIES.CLUSTER)
                .doUpdate()
                .set(CLUSTER_INVENTORIES.INVENTORY, DSL.excluded(CLUSTER_INVENTORIES.INVENTORY))
                .set(CLUSTER_INVENTORIES.GENERATION, DSL.excluded(CLUSTER_INVENTORIES.GENERATION))
                .set(CLUSTER_INVENTORIES.SERVICES, DSL.excluded(CLUSTER_INVENTORIES.SERVICES))
                .set(CLUSTER_INVENTORIES.ENDPOINTS, DSL.excluded(CLUSTER_INVENTORIES.ENDPOINTS))
                .set(CLUSTER_INVENTORIES.HEALTHY, DSL.excluded(CLUSTER_INVENTORIES.HEALTHY))
                .set(CLUSTER_INVENTORIES.BROKER_TIME, DSL.excluded(CLUSTER_INVENTORIES.BROKER_TIME))
                .set(CLUSTER_INVENTORIES.STATUS_OFFSET, DSL.excluded(CLUSTER_INVENTORIES.STATUS_OFFSET))
                .set(CLUSTER_INVENTORIES.RECEIVED_AT, DSL.excluded(CLUSTER_INVENTORIES.RECEIVED_AT))
                .where(DSL.row(CLUSTER_INVENTORIES.BROKER_TIME, CLUSTER_INVENTORIES.STATUS_OFFSET)
                        .lt(DSL.row(DSL.excluded(CLUSTER_INVENTORIES.BROKER_TIME),
                                DSL.excluded(CLUSTER_INVENTORIES.STATUS_OFFSET))))
                .returningResult(CLUSTER_INVENTORIES.TENANT_ID, CLUSTER_INVENTORIES.CLUSTER)
                .fetch(row -> new ClusterKey(row.value1(), row.value2()))
                .stream()
                .collect(Collectors.toSet());
    }
}

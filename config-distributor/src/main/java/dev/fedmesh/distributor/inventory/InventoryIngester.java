package dev.fedmesh.distributor.inventory;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.fedmesh.api.v1.ClusterInventory;
import dev.fedmesh.db.DatabaseErrors;
import dev.fedmesh.distributor.inventory.InventoryStore.ClusterKey;
import dev.fedmesh.distributor.publish.TenantTopics;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.jooq.DSLContext;
import org.jooq.Record2;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import static dev.fedmesh.db.jooq.Tables.CLUSTERS;
import static dev.fedmesh.db.jooq.Tables.TENANTS;

/**
 * Takes the inventories agents write to their tenant's status topic (handed over by the status
 * ingester once a record proved, by its HMAC, that it comes from the cluster it is keyed by):
 * <ol>
 *   <li>{@link #read} parses one and checks that it names the tenant and cluster it was sent for and
 *       is within {@link InventoryBounds};</li>
 *   <li>{@link #ingest} stores them ({@link InventoryStore}: a record older than the stored one
 *       changes nothing) and republishes each one stored, signed, on the tenant's inventory topic
 *       ({@link InventoryTopicWriter}), without waiting for Kafka;</li>
 *   <li>{@link #pass}, called between polls, sends again from the database what Kafka did not take,
 *       and a tombstone for each cluster this distributor published that no longer exists.</li>
 * </ol>
 * A publish that fails never holds the status consumer up; what was not sent is sent at a later
 * pass, and the agents' own periodic re-sends make a restarted distributor converge too.
 */
public final class InventoryIngester implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InventoryIngester.class);
    /** How often inventories Kafka did not take are sent again. */
    static final Duration RETRY_PASS = Duration.ofSeconds(2);
    /** How often the clusters this distributor published are compared with the registered ones. */
    static final Duration DELETION_PASS = Duration.ofSeconds(10);

    private final DSLContext dsl;
    private final InventoryStore store;
    private final InventoryTopicWriter writer;
    private final TenantTopics topics;
    private final Map<ClusterKey, String> unpublished = new ConcurrentHashMap<>();
    private final Map<ClusterKey, String> published = new ConcurrentHashMap<>();
    private final AtomicLong publishedCount = new AtomicLong();
    private final AtomicLong failedCount = new AtomicLong();
    private volatile boolean failing;
    private long nextRetry = System.nanoTime();
    private long nextDeletionCheck = System.nanoTime();

    /** Stores through {@code dsl}, publishes with {@code writer} to the topics {@code topics} creates. */
    public InventoryIngester(DSLContext dsl, InventoryTopicWriter writer, TenantTopics topics) {
        this.dsl = dsl;
        this.store = new InventoryStore(dsl);
        this.writer = writer;
        this.topics = topics;
    }

    /**
     * The inventory in an authenticated record of {@code cluster}, a registered cluster of
     * {@code tenant}, appended by the broker at {@code brokerTime} at {@code offset}; throws when it
     * does not parse, speaks for another tenant or cluster, or is out of bounds.
     */
    public static TenantInventory read(UUID tenantId, String tenant, String cluster, byte[] value, Instant brokerTime,
                                       long offset) throws RefusedInventoryException {
        ClusterInventory inventory;
        try {
            inventory = ClusterInventory.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            throw new RefusedInventoryException("not a ClusterInventory: " + e.getMessage());
        }
        if (!inventory.getTenant().equals(tenant) || !inventory.getCluster().equals(cluster)) {
            throw new RefusedInventoryException("the inventory names tenant '" + inventory.getTenant() + "' and cluster '"
                    + inventory.getCluster() + "' but was sent for tenant '" + tenant + "' keyed by '" + cluster + "'");
        }
        Optional<String> problem = InventoryBounds.problem(inventory, value.length);
        if (problem.isPresent()) {
            throw new RefusedInventoryException(problem.get());
        }
        return new TenantInventory(tenantId, tenant, inventory, value, brokerTime, offset);
    }

    /** An inventory the database refused, and why. */
    public record Unstored(TenantInventory inventory, String why) {
    }

    /**
     * Stores the inventories (in one transaction; when that fails for something other than the
     * database being away, one by one) and publishes each one that replaced its cluster's row.
     * Returns those the database refused; throws when it does not answer, so that the records are
     * read again.
     */
    public List<Unstored> ingest(List<TenantInventory> inventories) {
        if (inventories.isEmpty()) {
            return List.of();
        }
        List<Unstored> refused = new ArrayList<>();
        List<TenantInventory> stored;
        try {
            stored = store.storeAll(inventories);
        } catch (RuntimeException e) {
            if (DatabaseErrors.isUnavailable(e)) {
                throw e;
            }
            stored = new ArrayList<>();
            for (TenantInventory inventory : inventories) {
                try {
                    stored.addAll(store.storeAll(List.of(inventory)));
                } catch (RuntimeException one) {
                    if (DatabaseErrors.isUnavailable(one)) {
                        throw one;
                    }
                    LOG.warn("tenant={} cluster={} inventory cannot be stored ({}); the agent's next one is taken",
                            inventory.tenant(), inventory.cluster(), one.toString());
                    refused.add(new Unstored(inventory, "the database refused it: " + one.getMessage()));
                }
            }
        }
        for (TenantInventory inventory : stored) {
            publish(new ClusterKey(inventory.tenantId(), inventory.cluster()), inventory.tenant(), inventory.bytes(),
                    inventory.brokerTime());
        }
        return refused;
    }

    /**
     * Sends again, from the database, the inventories Kafka did not take (every {@link #RETRY_PASS}),
     * and tombstones the clusters this distributor published that were deleted since (every
     * {@link #DELETION_PASS}). Cheap when nothing is due; throws only what the database throws.
     */
    public void pass() {
        long now = System.nanoTime();
        if (!unpublished.isEmpty() && now - nextRetry >= 0) {
            nextRetry = now + RETRY_PASS.toNanos();
            for (Map.Entry<ClusterKey, String> waiting : new HashMap<>(unpublished).entrySet()) {
                unpublished.remove(waiting.getKey());
                store.find(waiting.getKey()).ifPresent(stored ->
                        publish(waiting.getKey(), waiting.getValue(), stored.inventory(), stored.brokerTime()));
            }
        }
        if (!published.isEmpty() && now - nextDeletionCheck >= 0) {
            nextDeletionCheck = now + DELETION_PASS.toNanos();
            tombstoneDeleted();
        }
    }

    /** How many inventories this distributor republished, and how many sends failed (each sent again later). */
    public long published() {
        return publishedCount.get();
    }

    /** How many sends to an inventory topic failed since the start. */
    public long failedPublishes() {
        return failedCount.get();
    }

    private void publish(ClusterKey key, String tenant, byte[] inventory, Instant reportedAt) {
        try {
            topics.ensure(key.tenantId(), tenant);
        } catch (RuntimeException e) {
            failed(key, tenant, e);
            return;
        }
        writer.publish(tenant, key.cluster(), inventory, reportedAt, error -> {
            if (error instanceof RecordTooLargeException) {
                // Sending it again cannot help; the agent's next, smaller inventory will go through.
                failedCount.incrementAndGet();
                LOG.error("tenant={} cluster={} inventory of {} bytes is larger than the distributor's records may be"
                        + " (fedmesh.distributor.kafka.max-record-bytes); it is stored but not republished", tenant,
                        key.cluster(), inventory.length);
                return;
            }
            if (error != null) {
                failed(key, tenant, error);
                return;
            }
            publishedCount.incrementAndGet();
            published.put(key, tenant);
            if (failing) {
                failing = false;
                LOG.info("tenant={} cluster={} inventories reach the inventory topic again", tenant, key.cluster());
            }
        });
    }

    private void failed(ClusterKey key, String tenant, Exception error) {
        failedCount.incrementAndGet();
        unpublished.put(key, tenant);
        if (!failing) {
            failing = true;
            LOG.warn("tenant={} cluster={} inventory could not be published ({}); it is stored, and sent again every {} s"
                    + " until Kafka takes it", tenant, key.cluster(), error.toString(), RETRY_PASS.toSeconds());
        }
    }

    /** Tombstones each published cluster whose tenant still exists but which does not. */
    private void tombstoneDeleted() {
        Set<UUID> tenantIds = new HashSet<>();
        published.keySet().forEach(key -> tenantIds.add(key.tenantId()));
        Set<ClusterKey> registered = new HashSet<>();
        Set<UUID> existing = new HashSet<>();
        for (Record2<UUID, String> row : dsl.select(TENANTS.ID, CLUSTERS.NAME).from(TENANTS)
                .leftJoin(CLUSTERS).on(CLUSTERS.TENANT_ID.eq(TENANTS.ID))
                .where(TENANTS.ID.in(tenantIds)).fetch()) {
            existing.add(row.value1());
            if (row.value2() != null) {
                registered.add(new ClusterKey(row.value1(), row.value2()));
            }
        }
        for (Map.Entry<ClusterKey, String> entry : new HashMap<>(published).entrySet()) {
            ClusterKey key = entry.getKey();
            if (registered.contains(key)) {
                continue;
            }
            published.remove(key);
            unpublished.remove(key);
            if (!existing.contains(key.tenantId())) {
                // The tenant's topics go with it (AgentAccessSweep); writing would create them again.
                continue;
            }
            String tenant = entry.getValue();
            writer.tombstone(tenant, key.cluster(), error -> {
                if (error != null) {
                    LOG.warn("tenant={} cluster={} was deleted but its inventory tombstone was not written ({}); trying"
                            + " again at the next pass", tenant, key.cluster(), error.toString());
                    published.put(key, tenant);
                } else {
                    LOG.info("tenant={} cluster={} was deleted: tombstone written to its inventory topic", tenant,
                            key.cluster());
                }
            });
        }
    }

    @Override
    public void close() {
        writer.close();
    }
}

package dev.fedmesh.agent.federation;

import dev.fedmesh.api.v1.ClusterInventory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes this cluster's whole inventory for the other clusters of the tenant, on its own thread:
 * told of each local change ({@link #changed}), it sends the inventory as it is then, at most once
 * per coalescing interval however many changes come (the newest wins), and again within the
 * re-send period while nothing changes (after a random 75–100% of it). An inventory larger than the limit is not sent: it is logged and
 * counted ({@link #refused}), and the one sent before stays what the other clusters see. A send
 * that fails is not retried as such: the next change or re-send carries the newer state anyway.
 */
public final class InventoryPublisher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InventoryPublisher.class);

    private final String tenant;
    private final String cluster;
    private final Supplier<ClusterInventory> inventory;
    private final InventorySender sender;
    private final InventoryPublishing settings;
    private final Thread thread;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private boolean dirty = true;
    private boolean closed;
    private boolean started;
    private volatile boolean failing;
    private volatile boolean tooLarge;

    /**
     * A publisher of {@code cluster}'s inventory as {@code inventory} gives it, sending through
     * {@code sender}; nothing is sent before {@link #start}.
     */
    public InventoryPublisher(String tenant, String cluster, Supplier<ClusterInventory> inventory, InventorySender sender,
                              InventoryPublishing settings) {
        this.tenant = tenant;
        this.cluster = cluster;
        this.inventory = inventory;
        this.sender = sender;
        this.settings = settings;
        this.thread = new Thread(this::run, "fedmesh-inventory-" + tenant + "-" + cluster);
        this.thread.setDaemon(true);
    }

    /** Starts publishing on a daemon thread; the first inventory is sent at once. */
    public synchronized void start() {
        started = true;
        thread.start();
    }

    /** The local inventory changed: the next record (within the coalescing interval) carries it. */
    public synchronized void changed() {
        dirty = true;
        notifyAll();
    }

    /** How many inventories the broker took since the start. */
    public long sent() {
        return sent.get();
    }

    /** How many inventories were too large to send since the start. */
    public long refused() {
        return refused.get();
    }

    private void run() {
        long coalesce = settings.coalesce().toNanos();
        long lastSent = System.nanoTime() - coalesce;
        long resend = resendAfter();
        while (true) {
            synchronized (this) {
                while (!closed) {
                    long now = System.nanoTime();
                    long until = dirty ? lastSent + coalesce : lastSent + resend;
                    if (now - until >= 0) {
                        break;
                    }
                    try {
                        wait(Math.max(1, (until - now) / 1_000_000));
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) {
                    return;
                }
                dirty = false;
            }
            lastSent = System.nanoTime();
            resend = resendAfter();
            publishAlone();
        }
    }

    /**
     * How long after a record an unchanged inventory is sent again: a random 75–100% of the re-send
     * interval, drawn for each record, so that clusters started together (after a control plane or
     * network outage, say) do not all re-send their inventories at the same moment, every time.
     */
    private long resendAfter() {
        long resend = settings.resend().toNanos();
        return resend - (long) (ThreadLocalRandom.current().nextDouble() * resend / 4);
    }

    /** Builds and sends one inventory; nothing that goes wrong with it ends the thread. */
    private void publishAlone() {
        try {
            publish(inventory.get());
        } catch (RuntimeException e) {
            LOG.error("tenant={} cluster={} building or sending the inventory failed; trying again at the next change or"
                    + " within {} s", tenant, cluster, settings.resend().toSeconds(), e);
        }
    }

    private void publish(ClusterInventory current) {
        byte[] bytes = current.toByteArray();
        if (bytes.length > settings.maxBytes()) {
            refused.incrementAndGet();
            if (!tooLarge) {
                tooLarge = true;
                LOG.error("tenant={} cluster={} inventory generation {} has {} bytes ({} services), more than the {} an"
                                + " inventory may have: not sending it, so the other clusters keep the last one sent;"
                                + " split the cluster's services over more clusters", tenant, cluster,
                        current.getGeneration(), bytes.length, current.getServicesCount(), settings.maxBytes());
            }
            return;
        }
        tooLarge = false;
        sender.send(bytes).whenComplete((ignored, error) -> {
            if (error != null) {
                if (!failing) {
                    failing = true;
                    LOG.warn("tenant={} cluster={} cannot send its inventory ({}); local traffic is served as before, and"
                            + " it is sent again at the next change or within {} s", tenant, cluster, error.toString(),
                            settings.resend().toSeconds());
                }
                return;
            }
            sent.incrementAndGet();
            if (failing) {
                failing = false;
                LOG.info("tenant={} cluster={} inventories reach the control plane again", tenant, cluster);
            }
        });
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
            if (!started) {
                return;
            }
        }
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

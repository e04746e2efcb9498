package dev.fedmesh.agent.federation;

import dev.fedmesh.api.InventoryLimits;
import java.time.Duration;
import java.util.Objects;

/**
 * How an agent publishes its cluster's inventory: a burst of changes becomes at most one record
 * per {@code coalesce} (the newest state wins), a quiet cluster sends its inventory again every
 * {@code resend} (so a lost record or a restarted distributor converges), and an inventory larger
 * than {@code maxBytes} serialized is refused rather than sent.
 */
public record InventoryPublishing(Duration coalesce, Duration resend, int maxBytes) {

    public static final Duration DEFAULT_COALESCE = Duration.ofMillis(100);
    public static final Duration DEFAULT_RESEND = Duration.ofSeconds(30);

    public InventoryPublishing {
        Objects.requireNonNull(coalesce, "coalesce");
        Objects.requireNonNull(resend, "resend");
        if (coalesce.isNegative() || coalesce.isZero()) {
            throw new IllegalArgumentException("the inventory coalescing interval must be positive, not " + coalesce
                    + " (default " + DEFAULT_COALESCE.toMillis() + " ms)");
        }
        if (resend.compareTo(coalesce) < 0) {
            throw new IllegalArgumentException("the inventory re-send period (" + resend + ") must be at least the"
                    + " coalescing interval (" + coalesce + "); the default is " + DEFAULT_RESEND.toSeconds() + " s");
        }
        if (maxBytes < 1 || maxBytes > InventoryLimits.MAX_INVENTORY_BYTES) {
            throw new IllegalArgumentException("the largest inventory sent must be between 1 and "
                    + InventoryLimits.MAX_INVENTORY_BYTES + " bytes (what the control plane takes), not " + maxBytes);
        }
    }

    /** 100 ms coalescing, a re-send every 30 s, and the control plane's own size limit. */
    public static InventoryPublishing defaults() {
        return new InventoryPublishing(DEFAULT_COALESCE, DEFAULT_RESEND, InventoryLimits.MAX_INVENTORY_BYTES);
    }
}

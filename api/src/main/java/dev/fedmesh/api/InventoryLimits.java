package dev.fedmesh.api;

/**
 * What one cluster's inventory (a ClusterInventory, see inventory.proto) may hold, agreed by the
 * agent that writes it and the distributor that takes it (which checks again, trusting no agent).
 * The largest tenant (1,000 services of 3 endpoints per cluster) is far inside them; an
 * inventory outside them is refused whole, never cut, so no caller ever sees half a cluster.
 */
public final class InventoryLimits {
    /** The largest serialized inventory an agent sends: well under Kafka's default 1 MiB record. */
    public static final int MAX_INVENTORY_BYTES = 900 * 1024;
    public static final int MAX_SERVICES = 10_000;
    /** Endpoints of all services together. */
    public static final int MAX_ENDPOINTS = 50_000;
    public static final int MAX_LABELS = 32;
    /** A DNS name (253) or an IPv6 address; also bounds service names and service accounts. */
    public static final int MAX_NAME = 253;
    /** A Kubernetes label key: a DNS-subdomain prefix, a slash and a 63-character name. */
    public static final int MAX_LABEL_KEY = 317;
    public static final int MAX_LABEL_VALUE = 63;

    private InventoryLimits() {
    }
}

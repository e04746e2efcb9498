package dev.fedmesh.api;

/**
 * The names of a tenant's Kafka topics: one pair per tenant, so Kafka ACLs can confine each
 * cluster's agent to its own tenant.
 */
public final class KafkaTopics {
    /** The prefix production uses; tests give each test class its own. */
    public static final String DEFAULT_PREFIX = "fedmesh";

    private KafkaTopics() {
    }

    /** Compacted, keyed by cluster name: each cluster's latest desired config. */
    public static String desired(String prefix, String tenant) {
        return prefix + "." + tenant + ".desired";
    }

    /** Agents' reports: applied revisions, proxy acknowledgements, inventory. */
    public static String status(String prefix, String tenant) {
        return prefix + "." + tenant + ".status";
    }
}

package dev.fedmesh.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * The names of a tenant's Kafka topics (desired, status, inventory: one set per tenant, so Kafka
 * ACLs can confine each cluster's agent to its own tenant) and the headers their records carry.
 */
public final class KafkaTopics {
    /**
     * The header of every status record holding its HMAC (see cluster_status.proto): what proves
     * that the cluster it is keyed by sent it.
     */
    public static final String REPORT_MAC_HEADER = "fedmesh-report-mac";

    /**
     * The header naming what a record on a status topic holds; a record without it is a status
     * report (a ClusterStatus).
     */
    public static final String RECORD_KIND_HEADER = "fedmesh-record-kind";

    /**
     * The {@link #RECORD_KIND_HEADER} value of a record holding the cluster's whole inventory (a
     * ClusterInventory, see inventory.proto), authenticated with {@link #REPORT_MAC_HEADER} like a
     * status report.
     */
    public static final String INVENTORY_RECORD_KIND = "inventory";

    /**
     * What a status-topic record's {@link #REPORT_MAC_HEADER} is computed over: the value itself for a
     * status report (no {@link #RECORD_KIND_HEADER}), else the kind, a newline and the value, so a
     * record of one kind, copied by another agent with the header changed, never authenticates as
     * another kind.
     */
    public static byte[] authenticatedBytes(String kind, byte[] value) {
        if (kind == null) {
            return value;
        }
        byte[] label = (kind + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] bytes = new byte[label.length + value.length];
        System.arraycopy(label, 0, bytes, 0, label.length);
        System.arraycopy(value, 0, bytes, label.length, value.length);
        return bytes;
    }

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

    /**
     * Compacted, keyed by cluster name: each cluster's newest inventory, as the control plane
     * authenticated and signed it. Every agent of the tenant reads it; only the control plane writes it.
     */
    public static String inventory(String prefix, String tenant) {
        return prefix + "." + tenant + ".inventory";
    }

    /**
     * The Kafka user of the agent of {@code cluster} in {@code tenant} holding the bootstrap
     * credential with id {@code credentialId}: {@code <prefix>-agent.<tenant>.<cluster>.<credentialId>}.
     * The distributor provisions it; a re-issued credential is another user. Tenant and cluster names
     * hold no '.', so the name tells its parts apart.
     */
    public static String agentUsername(String prefix, String tenant, String cluster, String credentialId) {
        return prefix + "-agent." + tenant + "." + cluster + "." + credentialId;
    }

    /**
     * The tenant whose desired, status or inventory topic {@code topic} is under {@code prefix}, or empty for
     * any other topic. Tenant names hold no dot, so the name between the prefix and the suffix is
     * the whole tenant name.
     */
    public static Optional<String> tenantOf(String prefix, String topic) {
        String start = prefix + ".";
        if (!topic.startsWith(start)) {
            return Optional.empty();
        }
        for (String suffix : new String[] {".desired", ".status", ".inventory"}) {
            if (topic.endsWith(suffix) && topic.length() > start.length() + suffix.length()) {
                String tenant = topic.substring(start.length(), topic.length() - suffix.length());
                return tenant.contains(".") ? Optional.empty() : Optional.of(tenant);
            }
        }
        return Optional.empty();
    }

    /**
     * The partition of a tenant's desired topic that holds {@code cluster}'s records, when the topic
     * has {@code partitions} partitions: the first four bytes of the SHA-256 of the cluster's name
     * (UTF-8), read as an unsigned big-endian number, modulo the partition count. The distributor
     * writes each record there and the cluster's agent reads only that partition, so an agent
     * fetches its own records rather than every cluster's. Any language can compute it.
     */
    public static int desiredPartition(String cluster, int partitions) {
        if (partitions < 1) {
            throw new IllegalArgumentException("a topic has at least one partition, not " + partitions);
        }
        byte[] digest;
        try {
            digest = MessageDigest.getInstance("SHA-256").digest(cluster.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime provides SHA-256", e);
        }
        long unsigned = ((digest[0] & 0xFFL) << 24) | ((digest[1] & 0xFFL) << 16) | ((digest[2] & 0xFFL) << 8)
                | (digest[3] & 0xFFL);
        return (int) (unsigned % partitions);
    }
}

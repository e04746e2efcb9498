package dev.fedmesh.controlapi.store;

import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.controlapi.http.ApiException;
import dev.fedmesh.policy.compiler.DesiredRecordSize;
import io.micronaut.http.HttpStatus;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The largest desired config a write may leave any cluster with: what the distributor sends as one
 * Kafka record ({@code fedmesh.api.max-config-record-bytes}, to be set like the distributor's
 * {@code fedmesh.distributor.kafka.max-record-bytes}) less {@link #RESERVED_BYTES}, kept for what
 * the control plane adds to a config by itself. A config is measured as the distributor's producer
 * measures the record ({@link DesiredRecordSize}), with its signature and batch path at their largest.
 */
public record ConfigSizeLimit(int maxRecordBytes) {
    /** The default, as the distributor's: the Kafka producer's own max.request.size. */
    public static final int DEFAULT_MAX_RECORD_BYTES = 1024 * 1024;
    /**
     * Room kept in every record for a root rotation's new root beside the old one and a renewed
     * intermediate beside the current one (about 1 KiB and 2-3 KiB of PEM each), with a wide margin.
     */
    public static final int RESERVED_BYTES = 16 * 1024;
    static final String PROPERTY = "fedmesh.api.max-config-record-bytes";
    private static final int LISTED = 5;

    public ConfigSizeLimit {
        if (maxRecordBytes < 2 * RESERVED_BYTES) {
            throw new IllegalArgumentException(PROPERTY + " is " + maxRecordBytes + ": it must be at least "
                    + 2 * RESERVED_BYTES + " bytes; set it as the distributor's fedmesh.distributor.kafka.max-record-bytes"
                    + " (default " + DEFAULT_MAX_RECORD_BYTES + ")");
        }
    }

    /** The most a cluster's record may weigh after a write. */
    public int limitBytes() {
        return maxRecordBytes - RESERVED_BYTES;
    }

    /** Each cluster's record as the distributor would send {@code configs}, all of one change. */
    static SortedMap<String, Integer> measure(SortedMap<String, DesiredConfig> configs) {
        SortedMap<String, Integer> sizes = new TreeMap<>();
        configs.forEach((cluster, config) -> sizes.put(cluster, DesiredRecordSize.of(cluster, config, configs.size())));
        return sizes;
    }

    /** The clusters whose record is over the limit after the write, with their size; empty when none is. */
    SortedMap<String, Integer> over(SortedMap<String, Integer> after) {
        return after.entrySet().stream().filter(cluster -> cluster.getValue() > limitBytes())
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, TreeMap::new));
    }

    /**
     * Refuses the write when one of the clusters over the limit after it ({@code over}) is new or
     * larger than {@code before}: a write that leaves a config too large no larger than it was (a
     * delete, or a smaller policy, when the limit was lowered) is how a tenant gets back under it.
     */
    void refuseIfGrown(String tenant, SortedMap<String, Integer> over, Map<String, Integer> before) {
        List<Map.Entry<String, Integer>> grown = over.entrySet().stream()
                .filter(cluster -> cluster.getValue() > before.getOrDefault(cluster.getKey(), 0))
                .sorted(Map.Entry.<String, Integer>comparingByValue(Comparator.reverseOrder()))
                .toList();
        if (grown.isEmpty()) {
            return;
        }
        Map.Entry<String, Integer> largest = grown.get(0);
        String others = grown.size() == 1 ? "" : " (and for " + grown.stream().skip(1).limit(LISTED)
                .map(cluster -> "'" + cluster.getKey() + "' " + cluster.getValue() + " bytes")
                .collect(Collectors.joining(", "))
                + (grown.size() > LISTED + 1 ? " and " + (grown.size() - LISTED - 1) + " more clusters" : "") + ")";
        throw new ApiException(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "config_too_large", "This change would make the"
                + " desired config of cluster '" + largest.getKey() + "' of tenant '" + tenant + "' " + largest.getValue()
                + " bytes as a Kafka record" + others + ", over the limit of " + limitBytes() + " bytes (" + PROPERTY
                + " = " + maxRecordBytes + ", less " + RESERVED_BYTES + " kept for roots and intermediates). Nothing was"
                + " written: remove or shrink policies (every cluster receives all of them; deleting is always"
                + " accepted), or ask the operator to raise the limit (see docs/operations.md).", List.of());
    }
}

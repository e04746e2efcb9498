package dev.fedmesh.distributor.publish;

/**
 * A tenant's config for one cluster is larger than the largest record the distributor sends
 * ({@code fedmesh.distributor.kafka.max-record-bytes}): the tenant's own trouble, refused before
 * anything of the change is sent.
 */
public final class ConfigTooLargeException extends RuntimeException {
    private final String cluster;
    private final int recordBytes;
    private final int limitBytes;

    public ConfigTooLargeException(String tenant, String cluster, int recordBytes, int limitBytes) {
        super("the config of cluster '" + cluster + "' of tenant '" + tenant + "' is " + recordBytes
                + " bytes as a Kafka record, over the limit of " + limitBytes + " bytes"
                + ": remove or shrink policies, or ask the operator to raise fedmesh.distributor.kafka.max-record-bytes"
                + " (docs/operations.md)");
        this.cluster = cluster;
        this.recordBytes = recordBytes;
        this.limitBytes = limitBytes;
    }

    public String cluster() {
        return cluster;
    }

    public int recordBytes() {
        return recordBytes;
    }

    public int limitBytes() {
        return limitBytes;
    }
}

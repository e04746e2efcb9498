package dev.fedmesh.policy.compiler;

import com.google.protobuf.CodedOutputStream;
import dev.fedmesh.api.v1.DesiredConfig;

import java.nio.charset.StandardCharsets;

/**
 * How many bytes one cluster's desired config weighs as the Kafka record it travels in, by the
 * measure the Kafka producer checks against its {@code max.request.size}: the record's
 * <em>uncompressed</em> key and value with the record batch's framing, as Kafka's own upper bound
 * ({@code DefaultRecordBatch.estimateBatchSizeUpperBound}) counts it. That is the limit that binds
 * first: the broker checks the compressed batch against the topic's {@code max.message.bytes},
 * which the distributor sets above it (see docs/operations.md, "How large a config may be").
 *
 * <p>The distributor measures the bytes it is about to send ({@link #ofRecord}); control-api, which
 * neither seals nor signs, measures the compiled config ({@link #of}) with the envelope around it
 * counted at its largest: the SHA-256, the Ed25519 signature, the signing key's id and the longest
 * batch path a change reaching {@code batchSize} clusters gives a config.
 */
public final class DesiredRecordSize {
    /** A record batch's header (DefaultRecordBatch.RECORD_BATCH_OVERHEAD). */
    static final int BATCH_OVERHEAD = 61;
    /** A record's own framing at its largest: length, attributes, timestamp and offset deltas (DefaultRecord.MAX_RECORD_OVERHEAD). */
    static final int RECORD_OVERHEAD = 21;
    private static final int SHA256_BYTES = 32;
    private static final int SIGNATURE_BYTES = 64;
    private static final int KEY_ID_CHARACTERS = 16;

    private DesiredRecordSize() {
    }

    /** The producer's measure of a record with a key and a value of these lengths and no headers. */
    public static int ofRecord(int keyBytes, int valueBytes) {
        return BATCH_OVERHEAD + RECORD_OVERHEAD
                + CodedOutputStream.computeUInt32SizeNoTag(zigZag(keyBytes)) + keyBytes
                + CodedOutputStream.computeUInt32SizeNoTag(zigZag(valueBytes)) + valueBytes
                + CodedOutputStream.computeUInt32SizeNoTag(zigZag(0));
    }

    /**
     * The most {@code config} of {@code cluster} can weigh once sealed and signed together with the
     * configs of {@code batchSize} clusters (every cluster of the tenant), keyed by the cluster's name.
     */
    public static int of(String cluster, DesiredConfig config, int batchSize) {
        int configBytes = config.getSerializedSize();
        int envelope = CodedOutputStream.computeUInt32SizeNoTag(configBytes) + configBytes + 1
                + field(SHA256_BYTES)
                + field(SIGNATURE_BYTES)
                + field(KEY_ID_CHARACTERS)
                + 2
                + pathSteps(batchSize) * field(field(SHA256_BYTES) + 2);
        return ofRecord(cluster.getBytes(StandardCharsets.UTF_8).length, envelope);
    }

    /** A length-delimited field of {@code length} bytes with a one-byte tag. */
    private static int field(int length) {
        return 1 + CodedOutputStream.computeUInt32SizeNoTag(length) + length;
    }

    /** The longest path from a leaf to the root of a batch of {@code size} configs: ceil(log2(size)). */
    private static int pathSteps(int size) {
        return size <= 1 ? 0 : 32 - Integer.numberOfLeadingZeros(size - 1);
    }

    /** Kafka writes record lengths as zig-zag varints. */
    private static int zigZag(int value) {
        return (value << 1) ^ (value >> 31);
    }
}

package dev.fedmesh.trust.signing;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.fedmesh.api.v1.InventoryEnvelope;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * How the control plane signs an {@link InventoryEnvelope} with its config signing key and how an
 * agent checks it. The signed message is {@code "fedmesh-inventory-envelope\n"} followed by the
 * inventory's SHA-256 and its {@code reported_at} (seconds, 8 bytes, and nanos, 4 bytes, big-endian):
 * the label keeps a signature made for an inventory from ever passing for a desired config's (and
 * the other way round), and signing the time keeps anyone from replaying an old inventory as newer.
 */
public final class InventorySignatures {
    private static final byte[] LABEL = "fedmesh-inventory-envelope\n".getBytes(StandardCharsets.US_ASCII);

    private InventorySignatures() {
    }

    /** The envelope of {@code inventory} (a serialized ClusterInventory), signed by {@code key}. */
    public static InventoryEnvelope seal(byte[] inventory, Instant reportedAt, ConfigSigningKey key) {
        byte[] sha256 = ConfigBatchTree.sha256(inventory);
        Timestamp at = Timestamp.newBuilder().setSeconds(reportedAt.getEpochSecond()).setNanos(reportedAt.getNano()).build();
        return InventoryEnvelope.newBuilder()
                .setInventory(ByteString.copyFrom(inventory))
                .setSha256(ByteString.copyFrom(sha256))
                .setReportedAt(at)
                .setKeyId(key.keyId())
                .setSignature(ByteString.copyFrom(key.sign(signedMessage(sha256, at))))
                .build();
    }

    /**
     * Checks the envelope's signature, given the SHA-256 of its inventory computed from its bytes
     * (never taken from its own digest field).
     */
    public static ConfigVerifier.Check check(InventoryEnvelope envelope, byte[] inventorySha256, ConfigVerifier verifier) {
        return verifier.check(envelope.getKeyId(), signedMessage(inventorySha256, envelope.getReportedAt()),
                envelope.getSignature().toByteArray());
    }

    /** What is signed: the label, the inventory's SHA-256 and the time it was reported. */
    static byte[] signedMessage(byte[] inventorySha256, Timestamp reportedAt) {
        return ByteBuffer.allocate(LABEL.length + inventorySha256.length + Long.BYTES + Integer.BYTES)
                .put(LABEL)
                .put(inventorySha256)
                .putLong(reportedAt.getSeconds())
                .putInt(reportedAt.getNanos())
                .array();
    }
}

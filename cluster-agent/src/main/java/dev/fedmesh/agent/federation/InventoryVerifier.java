package dev.fedmesh.agent.federation;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.fedmesh.api.v1.ClusterInventory;
import dev.fedmesh.api.v1.InventoryEnvelope;
import dev.fedmesh.trust.signing.ConfigBatchTree;
import dev.fedmesh.trust.signing.ConfigVerifier;
import dev.fedmesh.trust.signing.InventorySignatures;
import java.security.MessageDigest;

/**
 * Opens a record of the tenant's inventory topic only when the control plane signed it with a key
 * this agent trusts for desired configs ({@link InventorySignatures}), its SHA-256 matches its bytes,
 * and the inventory inside speaks for this tenant and for the cluster the record is keyed by.
 */
public final class InventoryVerifier {

    private final String tenant;
    private final ConfigVerifier trustedKeys;

    public InventoryVerifier(String tenant, ConfigVerifier trustedKeys) {
        this.tenant = tenant;
        this.trustedKeys = trustedKeys;
    }

    /** A verified remote inventory and the envelope it came in (what is kept on disk). */
    public record Verified(ClusterInventory inventory, InventoryEnvelope envelope) {
    }

    /** The inventory in {@code value}, a record keyed {@code key}; throws naming what does not hold. */
    public Verified open(String key, byte[] value) throws RefusedInventoryException {
        InventoryEnvelope envelope;
        try {
            envelope = InventoryEnvelope.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            throw new RefusedInventoryException("not an InventoryEnvelope: " + e.getMessage());
        }
        return open(key, envelope);
    }

    /** The inventory in {@code envelope}, from a record keyed {@code key}; throws naming what does not hold. */
    public Verified open(String key, InventoryEnvelope envelope) throws RefusedInventoryException {
        byte[] bytes = envelope.getInventory().toByteArray();
        byte[] sha256 = ConfigBatchTree.sha256(bytes);
        ConfigVerifier.Check check = InventorySignatures.check(envelope, sha256, trustedKeys);
        if (check != ConfigVerifier.Check.VALID) {
            throw new RefusedInventoryException(switch (check) {
                case UNSIGNED -> "the envelope is not signed: only inventories signed by the control plane are taken";
                case UNKNOWN_KEY -> "signed by key " + envelope.getKeyId() + ", which this agent does not trust (it trusts "
                        + trustedKeys.keyIds() + "); if the control plane's key was rotated, add its public key to"
                        + " fedmesh.agent.config-verifying-keys";
                default -> "the signature by key " + envelope.getKeyId() + " does not match the inventory";
            });
        }
        if (!MessageDigest.isEqual(sha256, envelope.getSha256().toByteArray())) {
            throw new RefusedInventoryException("SHA-256 of the inventory does not match the envelope's digest");
        }
        ClusterInventory inventory;
        try {
            inventory = ClusterInventory.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new RefusedInventoryException("signed, but the inventory does not parse: " + e.getMessage());
        }
        if (!inventory.getTenant().equals(tenant)) {
            throw new RefusedInventoryException("the inventory is of tenant '" + inventory.getTenant() + "', not '" + tenant
                    + "'");
        }
        if (!inventory.getCluster().equals(key)) {
            throw new RefusedInventoryException("the inventory is of cluster '" + inventory.getCluster()
                    + "' but its record is keyed '" + key + "'");
        }
        return new Verified(inventory, envelope);
    }
}

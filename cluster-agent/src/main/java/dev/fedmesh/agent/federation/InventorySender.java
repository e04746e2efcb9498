package dev.fedmesh.agent.federation;

import java.util.concurrent.CompletionStage;

/**
 * Sends one serialized ClusterInventory to the tenant's status topic as an authenticated record of
 * kind inventory (the status reporter's producer and HMAC); completes once the broker has it.
 */
@FunctionalInterface
public interface InventorySender {
    CompletionStage<Void> send(byte[] inventory);
}

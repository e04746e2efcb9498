package dev.fedmesh.distributor.inventory;

/** An authenticated inventory record the distributor does not take: why, naming the field and the limit. */
public final class RefusedInventoryException extends Exception {

    public RefusedInventoryException(String message) {
        super(message);
    }
}

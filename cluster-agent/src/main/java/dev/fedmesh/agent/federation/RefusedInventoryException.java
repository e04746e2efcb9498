package dev.fedmesh.agent.federation;

/** A record on the inventory topic this agent does not take, and why. */
public final class RefusedInventoryException extends Exception {

    public RefusedInventoryException(String message) {
        super(message);
    }
}

package dev.fedmesh.distributor.access;

/** Kafka did not take a change to agents' credentials or ACLs; the publish that needed it is retried. */
public final class AgentAccessException extends RuntimeException {

    public AgentAccessException(String message, Throwable cause) {
        super(message, cause);
    }
}

package dev.fedmesh.distributor.publish;

/** Kafka did not take a desired config; the outbox row stays unpublished and is retried. */
public final class PublishFailedException extends RuntimeException {
    public PublishFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}

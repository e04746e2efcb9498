package dev.fedmesh.distributor.publish;

/**
 * Kafka did not do what publishing needs: take a desired config, or create or delete a tenant's
 * topics. A publish's outbox rows stay unpublished and are retried; a sweep tries again at its next pass.
 */
public final class PublishFailedException extends RuntimeException {
    public PublishFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}

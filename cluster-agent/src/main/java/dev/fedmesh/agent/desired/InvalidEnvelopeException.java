package dev.fedmesh.agent.desired;

/** A desired-config envelope that is corrupted, truncated or not an envelope at all. */
public final class InvalidEnvelopeException extends Exception {

    public InvalidEnvelopeException(String message) {
        super(message);
    }
}

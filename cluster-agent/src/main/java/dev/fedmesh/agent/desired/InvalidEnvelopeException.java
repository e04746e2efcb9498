package dev.fedmesh.agent.desired;

/** A desired-config envelope the agent will not open: unsigned, wrongly signed, corrupted, or no envelope at all. */
public final class InvalidEnvelopeException extends Exception {

    private final ConfigRefusal.Reason reason;
    private final String keyId;

    public InvalidEnvelopeException(ConfigRefusal.Reason reason, String keyId, String message) {
        super(message);
        this.reason = reason;
        this.keyId = keyId;
    }

    public ConfigRefusal.Reason reason() {
        return reason;
    }

    /** The key id the envelope named, or empty. */
    public String keyId() {
        return keyId;
    }
}

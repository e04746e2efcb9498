package dev.fedmesh.agent;

/** A required agent setting is missing or a setting has a value the agent cannot use; the message names the fix. */
public final class InvalidAgentSettingsException extends IllegalArgumentException {

    public InvalidAgentSettingsException(String message) {
        super(message);
    }
}

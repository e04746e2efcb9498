package dev.fedmesh.trust.signing;

/** A key file that is missing, unreadable, or does not hold the Ed25519 key it should. */
public final class InvalidKeyFileException extends Exception {

    public InvalidKeyFileException(String message) {
        super(message);
    }

    public InvalidKeyFileException(String message, Throwable cause) {
        super(message, cause);
    }
}

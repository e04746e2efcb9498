package dev.fedmesh.trust.x509;

/** PEM text that does not hold what was expected (a certificate, a key, a CSR); the message says what was found. */
public final class InvalidPemException extends IllegalArgumentException {

    public InvalidPemException(String message) {
        super(message);
    }

    public InvalidPemException(String message, Throwable cause) {
        super(message, cause);
    }
}

package dev.fedmesh.trust.spiffe;

/** A trust domain name or SPIFFE ID that the SPIFFE standard does not allow; the message says why and how to fix it. */
public final class InvalidSpiffeIdException extends IllegalArgumentException {

    public InvalidSpiffeIdException(String message) {
        super(message);
    }
}

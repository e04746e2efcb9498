package dev.fedmesh.trust.ca;

/**
 * A CA back end could not do what was asked (unreachable, refused, answered nonsense). The message
 * says which back end, what it answered and what to check; it never holds a secret.
 */
public class CertificateAuthorityException extends RuntimeException {

    public CertificateAuthorityException(String message) {
        super(message);
    }

    public CertificateAuthorityException(String message, Throwable cause) {
        super(message, cause);
    }
}

package dev.fedmesh.trust.vault;

import dev.fedmesh.trust.ca.CertificateAuthorityException;

/** A Vault call that failed: unreachable (status 0), refused (403), or answered with an error; never holds a secret. */
public final class VaultCallException extends CertificateAuthorityException {

    private final int status;

    VaultCallException(int status, String message) {
        super(message);
        this.status = status;
    }

    VaultCallException(int status, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    /** Vault's HTTP status, or 0 when Vault did not answer. */
    public int status() {
        return status;
    }
}

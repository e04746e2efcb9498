package dev.fedmesh.trust.vault;

import java.time.Instant;

/** A Vault client token and when it stops working ({@link Instant#MAX} when unknown); its text is never printed. */
record VaultToken(String value, Instant expiresAt) {

    boolean usableAt(Instant now) {
        return now.isBefore(expiresAt);
    }

    @Override
    public String toString() {
        return "VaultToken[redacted, expiresAt=" + expiresAt + "]";
    }
}

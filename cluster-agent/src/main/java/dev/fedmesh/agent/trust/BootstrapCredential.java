package dev.fedmesh.agent.trust;

import java.util.Objects;

/**
 * The cluster's one-time bootstrap credential, which proves the agent's first intermediate request:
 * only an HMAC keyed by its SHA-256 ever leaves the agent, and it never appears in a log or an error.
 */
public final class BootstrapCredential {

    private final String secret;

    public BootstrapCredential(String secret) {
        Objects.requireNonNull(secret, "secret");
        if (secret.isBlank()) {
            throw new IllegalArgumentException("a bootstrap credential must not be empty");
        }
        this.secret = secret;
    }

    /** The proof of a first intermediate request over {@code proofBytes}. */
    public byte[] prove(byte[] proofBytes) {
        return IntermediateRequestProof.credentialProof(secret, proofBytes);
    }

    @Override
    public String toString() {
        return "BootstrapCredential[hidden]";
    }
}

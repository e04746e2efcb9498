package dev.fedmesh.agent.trust;

import dev.fedmesh.trust.credential.ClusterCredentialKeys;
import java.util.Objects;

/**
 * The cluster's bootstrap credential, the agent's identity: it proves the agent's first intermediate
 * request, authenticates every status report, and names and unlocks its Kafka user
 * ({@link ClusterCredentialKeys}). Only values derived from its SHA-256 ever leave the agent, and it
 * never appears in a log or an error.
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

    /** What the agent proves with this credential: its Kafka user and password, its reports' HMAC. */
    public ClusterCredentialKeys keys() {
        return ClusterCredentialKeys.ofCredential(secret);
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

package dev.fedmesh.distributor.trust;

import java.util.Objects;

/**
 * Why an intermediate request's proof does not show that it comes from its cluster's agent: a
 * stable code and a reason that says what to do. Nothing is issued and the CA is not called.
 */
public record ProofRefusal(Code code, String reason) {

    /** The kinds of proof refusal, as audit entries name them. */
    public enum Code {
        /** The request cannot be read: no CSR in DER, or no proof at all. */
        REQUEST_MALFORMED,
        /** The tenant has no such cluster (deleted, or never registered). */
        CLUSTER_UNKNOWN,
        /** The HMAC does not match the cluster's current bootstrap credential: wrong, re-issued or revoked. */
        CREDENTIAL_INVALID,
        /** The bootstrap credential was never used and is older than its lifetime. */
        CREDENTIAL_EXPIRED,
        /** The renewal is signed by a key that is not a current intermediate of this cluster. */
        RENEWAL_KEY_UNKNOWN,
        /** The renewal's signature does not verify with the intermediate key it names. */
        RENEWAL_SIGNATURE_INVALID
    }

    public ProofRefusal {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(reason, "reason");
    }
}

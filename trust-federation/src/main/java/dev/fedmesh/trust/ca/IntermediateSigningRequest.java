package dev.fedmesh.trust.ca;

import dev.fedmesh.trust.spiffe.TrustDomain;
import dev.fedmesh.trust.x509.CertificateRequest;
import java.time.Duration;
import java.util.Objects;

/**
 * What a CA back end is asked to sign: an already checked CSR for an intermediate of
 * {@code trustDomain}, valid for {@code ttl}, with at most {@code maxPathLength} CAs below it
 * (0: it signs leaves only).
 */
public record IntermediateSigningRequest(TrustDomain trustDomain, CertificateRequest csr, Duration ttl,
        int maxPathLength) {

    public IntermediateSigningRequest {
        Objects.requireNonNull(trustDomain, "trustDomain");
        Objects.requireNonNull(csr, "csr");
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("intermediate TTL " + ttl + " must be positive, e.g. P30D");
        }
        if (maxPathLength < 0) {
            throw new IllegalArgumentException("max path length " + maxPathLength + " must be 0 or more");
        }
    }

    /** Convenience for the usual case: an intermediate that signs workload SVIDs only. */
    public static IntermediateSigningRequest leavesOnly(TrustDomain trustDomain, CertificateRequest csr, Duration ttl) {
        return new IntermediateSigningRequest(trustDomain, csr, ttl, 0);
    }
}

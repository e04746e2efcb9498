package dev.fedmesh.trust.ca;

import dev.fedmesh.trust.spiffe.TrustDomain;
import dev.fedmesh.trust.x509.CertificateRequest;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a CA back end is asked to sign: an already checked CSR for an intermediate of
 * {@code trustDomain}, valid for {@code ttl}, with at most {@code maxPathLength} CAs below it
 * (0: it signs leaves only), under the root whose SHA-256 fingerprint is {@code rootSha256Hex}
 * (64 lower-case hex digits; empty: the back end's default root).
 */
public record IntermediateSigningRequest(TrustDomain trustDomain, CertificateRequest csr, Duration ttl,
        int maxPathLength, Optional<String> rootSha256Hex) {

    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

    public IntermediateSigningRequest {
        Objects.requireNonNull(trustDomain, "trustDomain");
        Objects.requireNonNull(csr, "csr");
        Objects.requireNonNull(rootSha256Hex, "rootSha256Hex");
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("intermediate TTL " + ttl + " must be positive, e.g. P30D");
        }
        if (maxPathLength < 0) {
            throw new IllegalArgumentException("max path length " + maxPathLength + " must be 0 or more");
        }
        rootSha256Hex.ifPresent(hex -> {
            if (!SHA256_HEX.matcher(hex).matches()) {
                throw new IllegalArgumentException("root fingerprint \"" + hex + "\" is not a SHA-256: give the 64"
                        + " lower-case hex digits of the root certificate's DER digest (CertificateFingerprint.sha256Hex)");
            }
        });
    }

    /** A request under the back end's default root. */
    public IntermediateSigningRequest(TrustDomain trustDomain, CertificateRequest csr, Duration ttl, int maxPathLength) {
        this(trustDomain, csr, ttl, maxPathLength, Optional.empty());
    }

    /** Convenience for the usual case: an intermediate that signs workload SVIDs only, under the default root. */
    public static IntermediateSigningRequest leavesOnly(TrustDomain trustDomain, CertificateRequest csr, Duration ttl) {
        return new IntermediateSigningRequest(trustDomain, csr, ttl, 0);
    }

    /** The same request, signed under the root whose SHA-256 fingerprint is {@code rootSha256Hex}. */
    public IntermediateSigningRequest underRoot(String rootSha256Hex) {
        return new IntermediateSigningRequest(trustDomain, csr, ttl, maxPathLength,
                Optional.of(Objects.requireNonNull(rootSha256Hex, "rootSha256Hex")));
    }
}

package dev.fedmesh.trust.issuance;

import java.time.Duration;

/** How long intermediates live and how many CAs may sit below them, from configuration. */
public record IntermediateTerms(Duration ttl, int maxPathLength) {

    /** 30 days, signing leaves only. */
    public static final IntermediateTerms DEFAULT = new IntermediateTerms(Duration.ofDays(30), 0);

    public IntermediateTerms {
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("intermediate TTL " + ttl + " must be positive, e.g. P30D");
        }
        if (maxPathLength < 0) {
            throw new IllegalArgumentException("intermediate max path length " + maxPathLength + " must be 0 or more");
        }
    }
}

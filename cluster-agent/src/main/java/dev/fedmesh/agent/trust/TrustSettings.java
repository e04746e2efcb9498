package dev.fedmesh.agent.trust;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How the agent gets and uses its intermediate CA: the bootstrap credential its first request is
 * proved with (none when the agent already holds an intermediate), and the workload SVIDs' TTL.
 */
public record TrustSettings(Optional<BootstrapCredential> bootstrapCredential, Duration svidTtl) {

    public static final Duration DEFAULT_SVID_TTL = Duration.ofHours(1);

    /** No bootstrap credential, SVIDs for an hour. */
    public static final TrustSettings DEFAULT = new TrustSettings(Optional.empty(), DEFAULT_SVID_TTL);

    public TrustSettings {
        Objects.requireNonNull(bootstrapCredential, "bootstrapCredential");
        Objects.requireNonNull(svidTtl, "svidTtl");
        if (svidTtl.isNegative() || svidTtl.isZero()) {
            throw new IllegalArgumentException("SVID TTL " + svidTtl + " must be positive, e.g. PT1H");
        }
    }

    public TrustSettings withBootstrapCredential(BootstrapCredential credential) {
        return new TrustSettings(Optional.of(credential), svidTtl);
    }

    public TrustSettings withSvidTtl(Duration ttl) {
        return new TrustSettings(bootstrapCredential, ttl);
    }
}

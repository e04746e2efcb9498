package dev.fedmesh.controlapi.trust;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * A tenant's trust as the database holds it, read at {@code now} (the database's clock): the roots
 * its trust domain's CA presented and each registered cluster's current intermediates.
 */
public record TenantTrust(String tenant, String trustDomain, OffsetDateTime now, List<Root> roots,
                          List<ClusterTrust> clusters) {

    /**
     * A root the trust domain's CA presented, as the distributor recorded it, with its place in the
     * bundle: the signing root is the unretired one that became signing last.
     */
    public record Root(byte[] sha256, OffsetDateTime notBefore, OffsetDateTime notAfter, OffsetDateTime firstSeen,
                       OffsetDateTime signingSince, OffsetDateTime retiredAt, State state) {

        /** Where a root stands. */
        public enum State {
            /** In every cluster's bundle, and new intermediates are issued under it. */
            SIGNING,
            /** In every cluster's bundle only. */
            BUNDLE,
            /** In no bundle any more. */
            RETIRED
        }
    }

    /** An intermediate issued to a cluster; {@code rootSha256} is null for one issued before roots were tracked. */
    public record Intermediate(byte[] publicKeySha256, OffsetDateTime notAfter, OffsetDateTime issuedAt, byte[] rootSha256) {
    }

    /** What a cluster's agent last reported of its identity; both null while it holds none or never reported. */
    public record Reported(OffsetDateTime intermediateNotAfter, byte[] svidRootSha256) {
    }

    /**
     * A registered cluster and its current intermediates, oldest expiry first: every unexpired one
     * (two while its agent rotates), or, when all have expired, the last one; none if it never had one.
     */
    public record ClusterTrust(String cluster, List<Intermediate> intermediates, Reported reported) {

        /** The intermediate that expires last; empty when the cluster never had one. */
        public Optional<Intermediate> newest() {
            return intermediates.stream().max(Comparator.comparing(Intermediate::notAfter));
        }
    }

    /** The earliest expiry among the clusters' newest intermediates; empty when no cluster has one. */
    public Optional<OffsetDateTime> earliestIntermediateNotAfter() {
        return clusters.stream().flatMap(cluster -> cluster.newest().stream())
                .map(Intermediate::notAfter).min(Comparator.naturalOrder());
    }

    /** Seconds from {@code now} until {@code notAfter}; negative once it is past. */
    public long secondsLeft(OffsetDateTime notAfter) {
        return Duration.between(now, notAfter).toSeconds();
    }
}

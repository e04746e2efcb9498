package dev.fedmesh.controlapi.store;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Where one registered cluster stands: what was last published for it (desired), what its agent
 * last reported (applied), and the proxies of that report. Fields are null where nothing is known
 * yet (nothing published, or no report); {@code publishFailure} is null unless the tenant's changes
 * cannot be published now.
 */
public record StatusOfCluster(
        String cluster,
        Long desiredRevision,
        byte[] desiredSha256,
        OffsetDateTime publishedAt,
        Long appliedRevision,
        byte[] appliedSha256,
        OffsetDateTime appliedAt,
        String xdsVersion,
        String lastRefusal,
        OffsetDateTime lastHeartbeat,
        OffsetDateTime now,
        List<Proxy> proxies,
        TenantPublishFailure publishFailure) {

    /** One proxy of the cluster's latest report. */
    public record Proxy(String nodeId, String state, String error, OffsetDateTime connectedAt, String typesJson) {
    }

    /** The agent runs the very config last published for its cluster: same revision, same bytes. */
    public boolean inSync() {
        return desiredRevision != null && desiredRevision.equals(appliedRevision)
                && Arrays.equals(desiredSha256, appliedSha256);
    }

    /**
     * Since when the cluster has been in (or out of) sync: the later of the last publish and the
     * last apply, whichever changed the answer last; null before anything was published or applied.
     */
    public OffsetDateTime syncSince() {
        if (publishedAt == null) {
            return appliedAt;
        }
        if (appliedAt == null) {
            return publishedAt;
        }
        return publishedAt.isAfter(appliedAt) ? publishedAt : appliedAt;
    }

    /** No report at all, or none within {@code staleAfter} by the database's clock. */
    public boolean stale(Duration staleAfter) {
        return lastHeartbeat == null || lastHeartbeat.plus(staleAfter).isBefore(now);
    }

    static String hex(byte[] bytes) {
        return bytes == null ? null : HexFormat.of().formatHex(bytes);
    }
}

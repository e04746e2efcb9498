package dev.fedmesh.controlapi.store;

import dev.fedmesh.policy.enforcement.NotEnforced;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Where one registered cluster stands: what was last published for it (desired), what its agent
 * last reported (applied), and the proxies of that report. Fields are null where nothing is known
 * yet (nothing published, or no report); {@code publishFailure} is null unless the tenant's changes
 * cannot be published now; {@code notEnforced} lists the policies the data plane does not enforce
 * (in whole or in part) on the cluster, by its last inventory.
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
        ProxyCounts proxyCounts,
        ApplyFailure applyFailure,
        TenantPublishFailure publishFailure,
        List<NotEnforced> notEnforced) {

    public StatusOfCluster {
        notEnforced = List.copyOf(notEnforced);
    }

    /** One proxy of the cluster's latest report. */
    public record Proxy(String nodeId, String state, String error, OffsetDateTime connectedAt, String typesJson) {
    }

    /** How many proxies the agent had connected, in all and per state; its report lists at most some of them. */
    public record ProxyCounts(int total, int synced, int stale, int nacked) {
        public static final ProxyCounts NONE = new ProxyCounts(0, 0, 0, 0);
    }

    /** The newest verified config the agent could not apply, and why; null while it applies what it receives. */
    public record ApplyFailure(long revision, String error, OffsetDateTime failedAt, int attempts) {
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

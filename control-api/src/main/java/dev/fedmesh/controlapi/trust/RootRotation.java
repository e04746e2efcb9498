package dev.fedmesh.controlapi.trust;

import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * A root rotation of a tenant's trust domain (table {@code root_rotations}), with what each of the
 * tenant's registered clusters last reported, from which its progress through the stage is judged.
 */
public record RootRotation(UUID id, String tenant, String stage, byte[] oldRootSha256, byte[] newRootSha256,
                           Long stageRevision, OffsetDateTime stageSince, String requestedBy,
                           OffsetDateTime requestedAt, OffsetDateTime finishedAt, String error,
                           List<ClusterReport> clusters) {

    /**
     * What a registered cluster's agent last reported; every field null when it never reported.
     * {@code appliedRevision} is null too before the agent applied any config. {@code waitedFor}:
     * the rotation's current stage waits for this cluster (view {@code root_rotation_progress});
     * {@code skipped}: an owner told the rotation not to wait for it (never waited for then).
     */
    public record ClusterReport(String cluster, boolean reporting, Long appliedRevision, byte[] svidRootSha256,
                                OffsetDateTime intermediateNotAfter, OffsetDateTime lastHeartbeat, boolean waitedFor,
                                boolean skipped) {
    }

    /**
     * Whether {@code cluster} has the current stage applied: its applied revision is at least the
     * stage's revision and, in stage {@code reissue}, its SVIDs chain to the new root.
     */
    public boolean stageApplied(ClusterReport cluster) {
        if (stageRevision == null || cluster.appliedRevision() == null || cluster.appliedRevision() < stageRevision) {
            return false;
        }
        return !"reissue".equals(stage) || Arrays.equals(cluster.svidRootSha256(), newRootSha256);
    }

    /**
     * The clusters the current stage waits for, by name, by the rule the distributor moves the
     * rotation on by (view {@code root_rotation_progress}): reporting clusters that have not applied
     * the stage's revision, and in stage {@code reissue} those holding an intermediate that do not
     * report every SVID under the new root yet. Empty while {@code requested} and once finished.
     */
    public List<String> waitingFor() {
        return clusters.stream().filter(ClusterReport::waitedFor).map(ClusterReport::cluster).toList();
    }

    /** The clusters an owner told the rotation not to wait for, by name. */
    public List<String> skipped() {
        return clusters.stream().filter(ClusterReport::skipped).map(ClusterReport::cluster).toList();
    }

    /** How many clusters have the current stage applied. */
    public int stageAppliedCount() {
        return (int) clusters.stream().filter(this::stageApplied).count();
    }

    /** How many clusters have reported at least once. */
    public int reportingCount() {
        return (int) clusters.stream().filter(ClusterReport::reporting).count();
    }
}

package dev.fedmesh.controlapi.trust;

import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * A root rotation of a tenant's trust domain (table {@code root_rotations}), with what each of the
 * tenant's registered clusters last reported, from which its progress through the stage is judged.
 */
public record RootRotation(UUID id, String tenant, String stage, byte[] oldRootSha256, byte[] newRootSha256,
                           Long stageRevision, OffsetDateTime stageSince, String requestedBy,
                           OffsetDateTime requestedAt, OffsetDateTime finishedAt, String error,
                           List<ClusterReport> clusters) {

    /** The stages in which the rotation waits for every reporting cluster to apply the stage's revision. */
    private static final Set<String> WAITING_STAGES = Set.of("bundle", "reissue", "retire");

    /**
     * What a registered cluster's agent last reported; every field null when it never reported.
     * {@code appliedRevision} is null too before the agent applied any config.
     */
    public record ClusterReport(String cluster, boolean reporting, Long appliedRevision, byte[] svidRootSha256,
                                OffsetDateTime intermediateNotAfter, OffsetDateTime lastHeartbeat) {
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
     * The clusters the current stage waits for, by name, as the distributor judges it: those that
     * report and have not applied the stage's revision, or in stage {@code reissue} report SVIDs
     * under another root (a cluster holding no identity yet has none to re-issue). Empty while
     * {@code requested} (the distributor has not acted yet) and once finished.
     */
    public List<String> waitingFor() {
        if (!WAITING_STAGES.contains(stage) || stageRevision == null) {
            return List.of();
        }
        return clusters.stream()
                .filter(ClusterReport::reporting)
                .filter(cluster -> cluster.appliedRevision() == null || cluster.appliedRevision() < stageRevision
                        || "reissue".equals(stage) && cluster.svidRootSha256() != null
                        && !Arrays.equals(cluster.svidRootSha256(), newRootSha256))
                .map(ClusterReport::cluster)
                .toList();
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

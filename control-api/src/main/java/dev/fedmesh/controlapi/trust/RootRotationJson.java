package dev.fedmesh.controlapi.trust;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.OffsetDateTime;

/** A root rotation as {@code GET /api/v1/tenants/{tenant}/trust/root-rotations/{id}} answers it. */
public final class RootRotationJson {
    private RootRotationJson() {
    }

    public static ObjectNode write(RootRotation rotation) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("id", rotation.id().toString());
        json.put("tenant", rotation.tenant());
        json.put("stage", rotation.stage());
        json.put("oldRootSha256", RootFingerprints.hex(rotation.oldRootSha256()));
        json.put("newRootSha256", RootFingerprints.hex(rotation.newRootSha256()));
        json.put("stageRevision", rotation.stageRevision() == null ? null : String.valueOf(rotation.stageRevision()));
        json.put("stageSince", text(rotation.stageSince()));
        json.put("requestedBy", rotation.requestedBy());
        json.put("requestedAt", text(rotation.requestedAt()));
        json.put("finishedAt", text(rotation.finishedAt()));
        json.put("error", rotation.error());
        ArrayNode clusters = json.putArray("clusters");
        for (RootRotation.ClusterReport cluster : rotation.clusters()) {
            ObjectNode node = clusters.addObject();
            node.put("cluster", cluster.cluster());
            node.put("appliedRevision", cluster.appliedRevision() == null ? null : String.valueOf(cluster.appliedRevision()));
            node.put("svidRootSha256", RootFingerprints.hex(cluster.svidRootSha256()));
            node.put("intermediateNotAfter", text(cluster.intermediateNotAfter()));
            node.put("lastHeartbeat", text(cluster.lastHeartbeat()));
            node.put("reporting", cluster.reporting());
            node.put("stageApplied", rotation.stageApplied(cluster));
            node.put("skipped", cluster.skipped());
        }
        ObjectNode summary = json.putObject("summary");
        summary.put("clusters", rotation.clusters().size());
        summary.put("reporting", rotation.reportingCount());
        summary.put("stageApplied", rotation.stageAppliedCount());
        ArrayNode waitingFor = summary.putArray("waitingFor");
        rotation.waitingFor().forEach(waitingFor::add);
        ArrayNode skipped = summary.putArray("skipped");
        rotation.skipped().forEach(skipped::add);
        return json;
    }

    private static String text(OffsetDateTime value) {
        return value == null ? null : value.toInstant().toString();
    }
}

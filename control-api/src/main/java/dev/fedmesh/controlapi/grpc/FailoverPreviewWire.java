package dev.fedmesh.controlapi.grpc;

import com.google.protobuf.Timestamp;
import dev.fedmesh.api.v1.CallerFailover;
import dev.fedmesh.api.v1.FailoverPreview;
import dev.fedmesh.api.v1.FailoverStep;
import dev.fedmesh.api.v1.FailoverStepCluster;
import dev.fedmesh.api.v1.PreviewInventory;
import dev.fedmesh.policy.failover.FailoverPlanner.Step;

import java.time.OffsetDateTime;
import java.util.List;

/** A failover preview on the wire: what REST's {@code …/failover-preview} answers, as fedmesh.v1.FailoverPreview. */
final class FailoverPreviewWire {
    private FailoverPreviewWire() {
    }

    static FailoverPreview of(dev.fedmesh.controlapi.federation.FailoverPreview preview) {
        FailoverPreview.Builder wire = FailoverPreview.newBuilder()
                .setTenant(preview.tenant())
                .setService(preview.service())
                .addAllDown(preview.down())
                .setPolicy(preview.policy().map(dev.fedmesh.controlapi.federation.FailoverPreview.NamedFailover::name).orElse(""))
                .setThresholdPercent(preview.thresholdPercent())
                .setAt(timestamp(preview.at()));
        for (var inventory : preview.inventories()) {
            PreviewInventory.Builder entry = PreviewInventory.newBuilder()
                    .setCluster(inventory.cluster())
                    .setReported(inventory.reportedAt().isPresent())
                    .setEndpoints(inventory.endpoints().total())
                    .setHealthy(inventory.endpoints().healthy());
            inventory.reportedAt().ifPresent(time -> entry.setReportedAt(timestamp(time)).setAgeSeconds(inventory.ageSeconds()));
            wire.addInventories(entry);
        }
        for (var caller : preview.callers()) {
            wire.addCallers(CallerFailover.newBuilder()
                    .setCluster(caller.cluster())
                    .setDown(caller.down())
                    .setPanic(caller.plan().panic())
                    .addAllServed(steps(caller.plan().served(), preview, true))
                    .addAllUnserved(steps(caller.plan().unserved(), preview, false)));
        }
        return wire.build();
    }

    private static List<FailoverStep> steps(List<Step> steps, dev.fedmesh.controlapi.federation.FailoverPreview preview,
                                            boolean served) {
        return java.util.stream.IntStream.range(0, steps.size()).mapToObj(i -> {
            Step step = steps.get(i);
            FailoverStep.Builder wire = FailoverStep.newBuilder()
                    .setReason(step.reason())
                    .setTakesTraffic(served && i == 0)
                    .setEndpoints(step.endpoints().total())
                    .setHealthy(step.endpoints().healthy());
            if (served) {
                wire.setPriority(i);
            }
            for (String cluster : step.clusters()) {
                boolean down = preview.isDown(cluster);
                var inventory = preview.inventory(cluster);
                wire.addClusters(FailoverStepCluster.newBuilder()
                        .setCluster(cluster)
                        .setEndpoints(inventory.endpoints().total())
                        .setHealthy(down ? 0 : inventory.endpoints().healthy())
                        .setDown(down));
            }
            return wire.build();
        }).toList();
    }

    private static Timestamp timestamp(OffsetDateTime time) {
        return Timestamp.newBuilder().setSeconds(time.toEpochSecond()).setNanos(time.getNano()).build();
    }
}

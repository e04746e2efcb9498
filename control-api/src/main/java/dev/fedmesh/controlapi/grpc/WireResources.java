package dev.fedmesh.controlapi.grpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Timestamp;
import dev.fedmesh.api.v1.ChangedNames;
import dev.fedmesh.api.v1.Cluster;
import dev.fedmesh.api.v1.ClusterChange;
import dev.fedmesh.api.v1.DryRun;
import dev.fedmesh.api.v1.PolicyResource;
import dev.fedmesh.api.v1.ServiceResource;
import dev.fedmesh.api.v1.Tenant;
import dev.fedmesh.controlapi.store.Service;
import dev.fedmesh.controlapi.store.StoredPolicy;
import dev.fedmesh.controlapi.store.TenantStore;
import dev.fedmesh.policy.compiler.ConfigDiff;

import java.time.OffsetDateTime;

/** The gRPC form of stored resources and dry-run previews: the same fields the REST JSON carries. */
final class WireResources {
    private WireResources() {
    }

    static Tenant tenant(dev.fedmesh.controlapi.store.Tenant tenant) {
        return Tenant.newBuilder()
                .setName(tenant.name())
                .setRevision(tenant.revision())
                .setCreatedAt(timestamp(tenant.createdAt()))
                .setUpdatedAt(timestamp(tenant.updatedAt()))
                .build();
    }

    static Cluster cluster(dev.fedmesh.controlapi.store.Cluster cluster) {
        Cluster.Builder wire = Cluster.newBuilder()
                .setName(cluster.name())
                .putAllLabels(cluster.labels())
                .setResourceVersion(cluster.resourceVersion())
                .setCreatedAt(timestamp(cluster.createdAt()))
                .setUpdatedAt(timestamp(cluster.updatedAt()));
        if (cluster.region() != null) {
            wire.setRegion(cluster.region());
        }
        if (cluster.zone() != null) {
            wire.setZone(cluster.zone());
        }
        if (cluster.network() != null) {
            wire.setNetwork(cluster.network());
        }
        return wire.build();
    }

    static ServiceResource service(Service service) {
        return ServiceResource.newBuilder()
                .setName(service.name())
                .putAllLabels(service.labels())
                .setResourceVersion(service.resourceVersion())
                .setCreatedAt(timestamp(service.createdAt()))
                .setUpdatedAt(timestamp(service.updatedAt()))
                .build();
    }

    static PolicyResource policy(StoredPolicy policy) {
        ObjectNode json = policy.toJson();
        PolicyResource.Builder wire = PolicyResource.newBuilder()
                .setKind(policy.document().kind())
                .setName(policy.document().name())
                .putAllLabels(policy.document().labels())
                .setTarget(StructJson.toStruct(json.get("target")))
                .setSpec(StructJson.toStruct(json.get("spec")))
                .setResourceVersion(policy.resourceVersion())
                .setCreatedAt(timestamp(policy.createdAt()))
                .setUpdatedAt(timestamp(policy.updatedAt()));
        for (JsonNode source : json.get("from")) {
            wire.addFrom(StructJson.toStruct(source));
        }
        return wire.build();
    }

    static DryRun dryRun(TenantStore.Preview<?> preview) {
        DryRun.Builder wire = DryRun.newBuilder()
                .setCurrentRevision(preview.currentRevision())
                .setWouldBeRevision(preview.wouldBeRevision());
        for (ConfigDiff.ClusterChange change : preview.clusters().clusters()) {
            wire.addClusters(ClusterChange.newBuilder()
                    .setCluster(change.cluster())
                    .setChanged(change.changed())
                    .setClusterAdded(change.clusterAdded())
                    .setClusterRemoved(change.clusterRemoved())
                    .setPolicies(ChangedNames.newBuilder()
                            .addAllAdded(change.policiesAdded())
                            .addAllChanged(change.policiesChanged())
                            .addAllRemoved(change.policiesRemoved()))
                    .setServices(ChangedNames.newBuilder()
                            .addAllAdded(change.servicesAdded())
                            .addAllRemoved(change.servicesRemoved())));
        }
        return wire.build();
    }

    private static Timestamp timestamp(OffsetDateTime time) {
        return Timestamp.newBuilder().setSeconds(time.toEpochSecond()).setNanos(time.getNano()).build();
    }
}

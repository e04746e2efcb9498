package dev.fedmesh.controlapi.grpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Timestamp;
import dev.fedmesh.api.v1.ApiToken;
import dev.fedmesh.api.v1.ChangedNames;
import dev.fedmesh.api.v1.Cluster;
import dev.fedmesh.api.v1.ClusterChange;
import dev.fedmesh.api.v1.DryRun;
import dev.fedmesh.api.v1.PolicyResource;
import dev.fedmesh.api.v1.PolicyWarning;
import dev.fedmesh.api.v1.ServiceResource;
import dev.fedmesh.api.v1.Tenant;
import dev.fedmesh.controlapi.store.AuditEntry;
import dev.fedmesh.controlapi.store.Service;
import dev.fedmesh.controlapi.store.StoredPolicy;
import dev.fedmesh.controlapi.store.TenantStore;
import dev.fedmesh.controlapi.store.Token;
import dev.fedmesh.controlapi.store.TokenJson;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.compiler.ConfigDiff;
import dev.fedmesh.policy.enforcement.NotEnforced;

import java.time.OffsetDateTime;

/** The gRPC form of stored resources, audit entries and dry-run previews: the same fields the REST JSON carries. */
final class WireResources {
    private WireResources() {
    }

    static Tenant tenant(dev.fedmesh.controlapi.store.Tenant tenant) {
        return Tenant.newBuilder()
                .setName(tenant.name())
                .setTrustDomain(tenant.trustDomain())
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
        if (cluster.eastWestGateway() != null) {
            wire.setEastWestGateway(cluster.eastWestGateway());
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

    /** A warning that a data plane does not enforce a policy; {@code namingPolicy} sets kind and policy (in a status). */
    static PolicyWarning warning(NotEnforced warning, boolean namingPolicy) {
        PolicyWarning.Builder wire = PolicyWarning.newBuilder()
                .setCode(NotEnforced.CODE)
                .setDataPlane(warning.dataPlane().wireName())
                .addAllClusters(warning.clusters())
                .setField(warning.field())
                .setMessage(warning.message());
        if (namingPolicy) {
            wire.setKind(warning.kind()).setPolicy(warning.policy());
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
                            .addAllRemoved(change.servicesRemoved()))
                    .setPeers(ChangedNames.newBuilder()
                            .addAllAdded(change.peersAdded())
                            .addAllChanged(change.peersChanged())
                            .addAllRemoved(change.peersRemoved())));
        }
        return wire.build();
    }

    /** A token as REST shows it, never with its secret. */
    static ApiToken token(Token token) {
        ApiToken.Builder wire = ApiToken.newBuilder()
                .setId(token.id().toString())
                .setName(token.name())
                .setRole(TokenJson.roleName(token.role()))
                .setCreatedBy(token.createdBy())
                .setCreatedAt(timestamp(token.createdAt()));
        if (token.expiresAt() != null) {
            wire.setExpiresAt(timestamp(token.expiresAt()));
        }
        if (token.revokedAt() != null) {
            wire.setRevokedAt(timestamp(token.revokedAt()));
        }
        if (token.lastUsedAt() != null) {
            wire.setLastUsedAt(timestamp(token.lastUsedAt()));
        }
        return wire.build();
    }

    static dev.fedmesh.api.v1.AuditEntry auditEntry(AuditEntry entry) {
        dev.fedmesh.api.v1.AuditEntry.Builder wire = dev.fedmesh.api.v1.AuditEntry.newBuilder()
                .setId(entry.id())
                .setRevision(entry.revision())
                .setActor(entry.actor())
                .setAction(entry.action())
                .setResourceKind(entry.resourceKind())
                .setResourceName(entry.resourceName())
                .setAt(timestamp(entry.at()));
        if (entry.before() != null) {
            wire.setBefore(StructJson.toStruct(PolicyJson.parse(entry.before())));
        }
        if (entry.after() != null) {
            wire.setAfter(StructJson.toStruct(PolicyJson.parse(entry.after())));
        }
        return wire.build();
    }

    private static Timestamp timestamp(OffsetDateTime time) {
        return Timestamp.newBuilder().setSeconds(time.toEpochSecond()).setNanos(time.getNano()).build();
    }
}

package dev.fedmesh.controlapi.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.fedmesh.api.v1.ClusterTrust;
import dev.fedmesh.api.v1.ClusterTrustIntermediate;
import dev.fedmesh.api.v1.GetRootRotationRequest;
import dev.fedmesh.api.v1.GetTenantTrustRequest;
import dev.fedmesh.api.v1.ListRootRotationsRequest;
import dev.fedmesh.api.v1.ListRootRotationsResponse;
import dev.fedmesh.api.v1.RetireRootRequest;
import dev.fedmesh.api.v1.RetireRootResponse;
import dev.fedmesh.api.v1.RootRotation;
import dev.fedmesh.api.v1.RootRotationCluster;
import dev.fedmesh.api.v1.RootRotationSummary;
import dev.fedmesh.api.v1.SkipRootRotationClustersRequest;
import dev.fedmesh.api.v1.StartRootRotationRequest;
import dev.fedmesh.api.v1.TenantTrustSummary;
import dev.fedmesh.api.v1.TrustRoot;
import dev.fedmesh.api.v1.TrustServiceGrpc;
import dev.fedmesh.controlapi.auth.Access;
import dev.fedmesh.controlapi.auth.Permission;
import dev.fedmesh.controlapi.auth.Principal;
import dev.fedmesh.controlapi.store.Page;
import dev.fedmesh.controlapi.store.TenantStore;
import dev.fedmesh.controlapi.trust.ExpiryWarning;
import dev.fedmesh.controlapi.trust.RootFingerprints;
import dev.fedmesh.controlapi.trust.RootRetirement;
import dev.fedmesh.controlapi.trust.RootRotationStore;
import dev.fedmesh.controlapi.trust.TenantTrust;
import dev.fedmesh.controlapi.trust.TrustStore;
import io.grpc.stub.StreamObserver;
import jakarta.inject.Singleton;

import java.time.OffsetDateTime;
import java.util.Locale;

/** fedmesh.v1.TrustService: REST's {@code .../trust} calls over gRPC. */
@Singleton
final class TrustGrpcService extends TrustServiceGrpc.TrustServiceImplBase {
    private final TenantStore tenants;
    private final TrustStore trust;
    private final ExpiryWarning warning;
    private final RootRotationStore rotations;
    private final RootRetirement retirement;

    TrustGrpcService(TenantStore tenants, TrustStore trust, ExpiryWarning warning, RootRotationStore rotations,
                     RootRetirement retirement) {
        this.tenants = tenants;
        this.trust = trust;
        this.warning = warning;
        this.rotations = rotations;
        this.retirement = retirement;
    }

    @Override
    public void startRootRotation(StartRootRotationRequest request, StreamObserver<RootRotation> observer) {
        UnaryCalls.answer("StartRootRotation", observer, () -> {
            Principal principal = BearerTokenInterceptor.principal();
            Access.require(principal, request.getTenant(), Permission.WRITE);
            return wire(rotations.start(request.getTenant(), principal.subject()));
        });
    }

    @Override
    public void getRootRotation(GetRootRotationRequest request, StreamObserver<RootRotation> observer) {
        UnaryCalls.answer("GetRootRotation", observer, () -> {
            Access.require(BearerTokenInterceptor.principal(), request.getTenant(), Permission.READ);
            return wire(rotations.require(tenants.require(request.getTenant()), request.getId()));
        });
    }

    @Override
    public void listRootRotations(ListRootRotationsRequest request, StreamObserver<ListRootRotationsResponse> observer) {
        UnaryCalls.answer("ListRootRotations", observer, () -> {
            Access.require(BearerTokenInterceptor.principal(), request.getTenant(), Permission.READ);
            Page page = ListFilters.page(request.getLimit(), request.getPageToken());
            Page.Result<dev.fedmesh.controlapi.trust.RootRotation> result =
                    rotations.list(tenants.require(request.getTenant()), page);
            ListRootRotationsResponse.Builder response = ListRootRotationsResponse.newBuilder();
            result.items().forEach(rotation -> response.addItems(wire(rotation)));
            if (result.nextPageToken() != null) {
                response.setNextPageToken(result.nextPageToken());
            }
            return response.build();
        });
    }

    @Override
    public void skipRootRotationClusters(SkipRootRotationClustersRequest request, StreamObserver<RootRotation> observer) {
        UnaryCalls.answer("SkipRootRotationClusters", observer, () -> {
            Principal principal = BearerTokenInterceptor.principal();
            Access.requireOwner(principal, request.getTenant(), RootRotationStore.SKIP);
            return wire(rotations.skip(request.getTenant(), request.getId(), request.getClustersList(), principal.subject()));
        });
    }

    @Override
    public void retireRoot(RetireRootRequest request, StreamObserver<RetireRootResponse> observer) {
        UnaryCalls.answer("RetireRoot", observer, () -> {
            Principal principal = BearerTokenInterceptor.principal();
            Access.require(principal, request.getTenant(), Permission.WRITE);
            byte[] sha256 = RootFingerprints.requireBytes("sha256", request.getSha256().toByteArray());
            retirement.retire(request.getTenant(), principal.subject(), sha256);
            return RetireRootResponse.getDefaultInstance();
        });
    }

    private static RootRotation wire(dev.fedmesh.controlapi.trust.RootRotation rotation) {
        RootRotation.Builder wire = RootRotation.newBuilder()
                .setId(rotation.id().toString())
                .setTenant(rotation.tenant())
                .setStage(rotation.stage())
                .setOldRootSha256(bytes(rotation.oldRootSha256()))
                .setNewRootSha256(bytes(rotation.newRootSha256()))
                .setStageSince(timestamp(rotation.stageSince()))
                .setRequestedBy(rotation.requestedBy())
                .setRequestedAt(timestamp(rotation.requestedAt()));
        if (rotation.stageRevision() != null) {
            wire.setStageRevision(rotation.stageRevision());
        }
        if (rotation.finishedAt() != null) {
            wire.setFinishedAt(timestamp(rotation.finishedAt()));
        }
        if (rotation.error() != null) {
            wire.setError(rotation.error());
        }
        for (dev.fedmesh.controlapi.trust.RootRotation.ClusterReport cluster : rotation.clusters()) {
            RootRotationCluster.Builder entry = RootRotationCluster.newBuilder()
                    .setCluster(cluster.cluster())
                    .setSvidRootSha256(bytes(cluster.svidRootSha256()))
                    .setReporting(cluster.reporting())
                    .setStageApplied(rotation.stageApplied(cluster))
                    .setSkipped(cluster.skipped());
            if (cluster.appliedRevision() != null) {
                entry.setAppliedRevision(cluster.appliedRevision());
            }
            if (cluster.intermediateNotAfter() != null) {
                entry.setIntermediateNotAfter(timestamp(cluster.intermediateNotAfter()));
            }
            if (cluster.lastHeartbeat() != null) {
                entry.setLastHeartbeat(timestamp(cluster.lastHeartbeat()));
            }
            wire.addClusters(entry);
        }
        return wire.setSummary(RootRotationSummary.newBuilder()
                        .setClusters(rotation.clusters().size())
                        .setReporting(rotation.reportingCount())
                        .setStageApplied(rotation.stageAppliedCount())
                        .addAllWaitingFor(rotation.waitingFor())
                        .addAllSkipped(rotation.skipped()))
                .build();
    }

    @Override
    public void getTenantTrust(GetTenantTrustRequest request, StreamObserver<dev.fedmesh.api.v1.TenantTrust> observer) {
        UnaryCalls.answer("GetTenantTrust", observer, () -> {
            Access.require(BearerTokenInterceptor.principal(), request.getTenant(), Permission.READ);
            return wire(trust.read(tenants.require(request.getTenant())));
        });
    }

    private dev.fedmesh.api.v1.TenantTrust wire(TenantTrust read) {
        dev.fedmesh.api.v1.TenantTrust.Builder wire = dev.fedmesh.api.v1.TenantTrust.newBuilder()
                .setTenant(read.tenant())
                .setTrustDomain(read.trustDomain())
                .setExpiryWarningSeconds(warning.window().toSeconds())
                .setAt(timestamp(read.now()));
        for (TenantTrust.Root root : read.roots()) {
            TrustRoot.Builder entry = TrustRoot.newBuilder()
                    .setSha256(ByteString.copyFrom(root.sha256()))
                    .setNotBefore(timestamp(root.notBefore()))
                    .setNotAfter(timestamp(root.notAfter()))
                    .setSecondsLeft(read.secondsLeft(root.notAfter()))
                    .setFirstSeen(timestamp(root.firstSeen()))
                    .setState(root.state().name().toLowerCase(Locale.ROOT));
            if (root.signingSince() != null) {
                entry.setSigningSince(timestamp(root.signingSince()));
            }
            if (root.retiredAt() != null) {
                entry.setRetiredAt(timestamp(root.retiredAt()));
            }
            wire.addRoots(entry);
        }
        TenantTrustSummary.Builder summary = TenantTrustSummary.newBuilder().setClusters(read.clusters().size());
        for (TenantTrust.ClusterTrust cluster : read.clusters()) {
            boolean expiring = warning.flags(cluster, read.now());
            boolean missing = cluster.newest().isEmpty();
            ClusterTrust.Builder entry = ClusterTrust.newBuilder()
                    .setCluster(cluster.cluster()).setExpiring(expiring).setMissing(missing);
            for (TenantTrust.Intermediate intermediate : cluster.intermediates()) {
                entry.addIntermediates(ClusterTrustIntermediate.newBuilder()
                        .setPublicKeySha256(ByteString.copyFrom(intermediate.publicKeySha256()))
                        .setNotAfter(timestamp(intermediate.notAfter()))
                        .setSecondsLeft(read.secondsLeft(intermediate.notAfter()))
                        .setIssuedAt(timestamp(intermediate.issuedAt()))
                        .setRootSha256(bytes(intermediate.rootSha256())));
            }
            if (cluster.reported().intermediateNotAfter() != null) {
                entry.setReportedIntermediateNotAfter(timestamp(cluster.reported().intermediateNotAfter()));
            }
            entry.setSvidRootSha256(bytes(cluster.reported().svidRootSha256()));
            wire.addClusters(entry);
            if (expiring) {
                summary.addExpiring(cluster.cluster());
            }
            if (missing) {
                summary.addMissing(cluster.cluster());
            }
        }
        read.earliestIntermediateNotAfter().ifPresent(earliest -> summary
                .setEarliestIntermediateNotAfter(timestamp(earliest))
                .setEarliestIntermediateSecondsLeft(read.secondsLeft(earliest)));
        return wire.setSummary(summary).build();
    }

    private static ByteString bytes(byte[] value) {
        return value == null ? ByteString.EMPTY : ByteString.copyFrom(value);
    }

    private static Timestamp timestamp(OffsetDateTime time) {
        return Timestamp.newBuilder().setSeconds(time.toEpochSecond()).setNanos(time.getNano()).build();
    }
}

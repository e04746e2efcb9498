package dev.fedmesh.controlapi.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.fedmesh.api.v1.ClusterTrust;
import dev.fedmesh.api.v1.ClusterTrustIntermediate;
import dev.fedmesh.api.v1.GetTenantTrustRequest;
import dev.fedmesh.api.v1.TenantTrustSummary;
import dev.fedmesh.api.v1.TrustRoot;
import dev.fedmesh.api.v1.TrustServiceGrpc;
import dev.fedmesh.controlapi.auth.Access;
import dev.fedmesh.controlapi.auth.Permission;
import dev.fedmesh.controlapi.store.TenantStore;
import dev.fedmesh.controlapi.trust.ExpiryWarning;
import dev.fedmesh.controlapi.trust.TenantTrust;
import dev.fedmesh.controlapi.trust.TrustStore;
import io.grpc.stub.StreamObserver;
import jakarta.inject.Singleton;

import java.time.OffsetDateTime;

/** fedmesh.v1.TrustService: REST's {@code .../trust} over gRPC. */
@Singleton
final class TrustGrpcService extends TrustServiceGrpc.TrustServiceImplBase {
    private final TenantStore tenants;
    private final TrustStore trust;
    private final ExpiryWarning warning;

    TrustGrpcService(TenantStore tenants, TrustStore trust, ExpiryWarning warning) {
        this.tenants = tenants;
        this.trust = trust;
        this.warning = warning;
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
            wire.addRoots(TrustRoot.newBuilder()
                    .setSha256(ByteString.copyFrom(root.sha256()))
                    .setNotBefore(timestamp(root.notBefore()))
                    .setNotAfter(timestamp(root.notAfter()))
                    .setSecondsLeft(read.secondsLeft(root.notAfter()))
                    .setFirstSeen(timestamp(root.firstSeen())));
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
                        .setIssuedAt(timestamp(intermediate.issuedAt())));
            }
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

    private static Timestamp timestamp(OffsetDateTime time) {
        return Timestamp.newBuilder().setSeconds(time.toEpochSecond()).setNanos(time.getNano()).build();
    }
}

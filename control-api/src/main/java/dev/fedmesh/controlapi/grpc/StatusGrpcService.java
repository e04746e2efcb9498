package dev.fedmesh.controlapi.grpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.fedmesh.api.v1.ApplyFailure;
import dev.fedmesh.api.v1.ClusterSyncStatus;
import dev.fedmesh.api.v1.GetClusterStatusRequest;
import dev.fedmesh.api.v1.GetTenantStatusRequest;
import dev.fedmesh.api.v1.ListStatusDeadLettersRequest;
import dev.fedmesh.api.v1.ListStatusDeadLettersResponse;
import dev.fedmesh.api.v1.ProxyCounts;
import dev.fedmesh.api.v1.ProxyStatus;
import dev.fedmesh.api.v1.PublishFailure;
import dev.fedmesh.api.v1.ProxySyncState;
import dev.fedmesh.api.v1.ResourceTypeStatus;
import dev.fedmesh.api.v1.StatusDeadLetter;
import dev.fedmesh.api.v1.StatusServiceGrpc;
import dev.fedmesh.api.v1.TenantStatus;
import dev.fedmesh.controlapi.auth.Access;
import dev.fedmesh.controlapi.auth.Permission;
import dev.fedmesh.controlapi.http.ApiException;
import dev.fedmesh.controlapi.store.StatusOfCluster;
import dev.fedmesh.controlapi.store.StatusStore;
import dev.fedmesh.controlapi.store.TenantPublishFailure;
import dev.fedmesh.controlapi.store.Tenant;
import dev.fedmesh.controlapi.store.TenantStore;
import dev.fedmesh.policy.document.PolicyJson;
import io.grpc.stub.StreamObserver;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;

import java.time.Duration;
import java.time.OffsetDateTime;

/** fedmesh.v1.StatusService: REST's {@code .../status} and {@code .../clusters/{name}/status} over gRPC. */
@Singleton
final class StatusGrpcService extends StatusServiceGrpc.StatusServiceImplBase {
    private final TenantStore tenants;
    private final StatusStore statuses;
    private final Duration staleAfter;

    StatusGrpcService(TenantStore tenants, StatusStore statuses,
                      @Value("${fedmesh.api.status.stale-after:30s}") Duration staleAfter) {
        this.tenants = tenants;
        this.statuses = statuses;
        this.staleAfter = staleAfter;
    }

    @Override
    public void getTenantStatus(GetTenantStatusRequest request, StreamObserver<TenantStatus> observer) {
        UnaryCalls.answer("GetTenantStatus", observer, () -> {
            Access.require(BearerTokenInterceptor.principal(), request.getTenant(), Permission.READ);
            Tenant owner = tenants.require(request.getTenant());
            TenantStatus.Builder status = TenantStatus.newBuilder()
                    .setTenant(owner.name())
                    .setRevision(owner.revision())
                    .setStaleAfterSeconds(staleAfter.toSeconds());
            statuses.publishFailure(owner.id()).ifPresent(failure -> status.setPublishFailure(wire(failure)));
            statuses.all(owner.id()).forEach(cluster -> status.addClusters(wire(cluster)));
            return status.build();
        });
    }

    @Override
    public void getClusterStatus(GetClusterStatusRequest request, StreamObserver<ClusterSyncStatus> observer) {
        UnaryCalls.answer("GetClusterStatus", observer, () -> {
            Access.require(BearerTokenInterceptor.principal(), request.getTenant(), Permission.READ);
            Tenant owner = tenants.require(request.getTenant());
            return wire(statuses.find(owner.id(), request.getCluster())
                    .orElseThrow(() -> ApiException.notFound("Cluster '" + request.getCluster() + "'")));
        });
    }

    @Override
    public void listStatusDeadLetters(ListStatusDeadLettersRequest request,
                                      StreamObserver<ListStatusDeadLettersResponse> observer) {
        UnaryCalls.answer("ListStatusDeadLetters", observer, () -> {
            Access.require(BearerTokenInterceptor.principal(), request.getTenant(), Permission.READ);
            Tenant owner = tenants.require(request.getTenant());
            ListStatusDeadLettersResponse.Builder answer = ListStatusDeadLettersResponse.newBuilder();
            for (StatusStore.DeadLetter letter : statuses.deadLetters(owner.id())) {
                StatusDeadLetter.Builder entry = StatusDeadLetter.newBuilder()
                        .setCluster(letter.cluster())
                        .setReason(letter.reason())
                        .setOccurrences(letter.occurrences())
                        .setTopic(letter.topic())
                        .setPartition(letter.partition())
                        .setOffset(letter.offset())
                        .setBytes(letter.bytes())
                        .setDetail(letter.detail());
                setTime(letter.firstAt(), entry::setFirstAt);
                setTime(letter.lastAt(), entry::setLastAt);
                answer.addDeadLetters(entry);
            }
            return answer.build();
        });
    }

    private ClusterSyncStatus wire(StatusOfCluster status) {
        ClusterSyncStatus.Builder wire = ClusterSyncStatus.newBuilder()
                .setCluster(status.cluster())
                .setInSync(status.inSync())
                .setStale(status.stale(staleAfter));
        if (status.desiredRevision() != null) {
            wire.setDesiredRevision(status.desiredRevision());
        }
        if (status.desiredSha256() != null) {
            wire.setDesiredSha256(ByteString.copyFrom(status.desiredSha256()));
        }
        if (status.appliedRevision() != null) {
            wire.setAppliedRevision(status.appliedRevision());
        }
        if (status.appliedSha256() != null) {
            wire.setAppliedSha256(ByteString.copyFrom(status.appliedSha256()));
        }
        if (status.xdsVersion() != null) {
            wire.setXdsVersion(status.xdsVersion());
        }
        if (status.lastRefusal() != null) {
            wire.setLastRefusal(status.lastRefusal());
        }
        setTime(status.publishedAt(), wire::setPublishedAt);
        setTime(status.appliedAt(), wire::setAppliedAt);
        setTime(status.syncSince(), wire::setSyncSince);
        setTime(status.lastHeartbeat(), wire::setLastHeartbeat);
        wire.setProxyCounts(ProxyCounts.newBuilder()
                .setTotal(status.proxyCounts().total())
                .setSynced(status.proxyCounts().synced())
                .setStale(status.proxyCounts().stale())
                .setNacked(status.proxyCounts().nacked()));
        if (status.applyFailure() != null) {
            ApplyFailure.Builder failure = ApplyFailure.newBuilder()
                    .setRevision(status.applyFailure().revision())
                    .setError(status.applyFailure().error() == null ? "" : status.applyFailure().error())
                    .setAttempts(status.applyFailure().attempts());
            setTime(status.applyFailure().failedAt(), failure::setFailedAt);
            wire.setApplyFailure(failure);
        }
        status.notEnforced().forEach(warning -> wire.addNotEnforced(WireResources.warning(warning, true)));
        for (StatusOfCluster.Proxy proxy : status.proxies()) {
            ProxyStatus.Builder entry = ProxyStatus.newBuilder()
                    .setNodeId(proxy.nodeId())
                    .setState(ProxySyncState.valueOf(proxy.state()))
                    .setError(proxy.error() == null ? "" : proxy.error());
            setTime(proxy.connectedAt(), entry::setConnectedAt);
            for (JsonNode type : PolicyJson.parse(proxy.typesJson())) {
                entry.addTypes(ResourceTypeStatus.newBuilder()
                        .setTypeUrl(type.path("typeUrl").asText())
                        .setAckedVersion(type.path("ackedVersion").asText())
                        .setSentVersion(type.path("sentVersion").asText())
                        .setNackedVersion(type.path("nackedVersion").asText())
                        .setError(type.path("error").asText()));
            }
            wire.addProxies(entry);
        }
        if (status.publishFailure() != null) {
            wire.setPublishFailure(wire(status.publishFailure()));
        }
        return wire.build();
    }

    private static PublishFailure wire(TenantPublishFailure failure) {
        PublishFailure.Builder wire = PublishFailure.newBuilder()
                .setCode(failure.code())
                .setMessage(failure.message())
                .setAttempts(failure.attempts());
        setTime(failure.failingSince(), wire::setFailingSince);
        setTime(failure.lastAttemptAt(), wire::setLastAttemptAt);
        setTime(failure.nextAttemptAt(), wire::setNextAttemptAt);
        return wire.build();
    }

    private static void setTime(OffsetDateTime time, java.util.function.Consumer<Timestamp> setter) {
        if (time != null) {
            setter.accept(Timestamp.newBuilder().setSeconds(time.toEpochSecond()).setNanos(time.getNano()).build());
        }
    }
}

package dev.fedmesh.controlapi.grpc;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import dev.fedmesh.api.v1.GetRootRotationRequest;
import dev.fedmesh.api.v1.GetTenantTrustRequest;
import dev.fedmesh.api.v1.ListRootRotationsRequest;
import dev.fedmesh.api.v1.ListRootRotationsResponse;
import dev.fedmesh.api.v1.RetireRootRequest;
import dev.fedmesh.api.v1.RootRotation;
import dev.fedmesh.api.v1.RootRotationCluster;
import dev.fedmesh.api.v1.StartRootRotationRequest;
import dev.fedmesh.api.v1.TrustRoot;
import dev.fedmesh.api.v1.TrustServiceGrpc;
import dev.fedmesh.controlapi.RunningApi;
import dev.fedmesh.controlapi.trust.TrustRows;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.function.Executable;

import java.time.OffsetDateTime;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** fedmesh.v1.TrustService's root rotation calls over a real port and real PostgreSQL: what REST answers. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RootRotationGrpcTest {
    private RunningApi running;
    private GrpcClient client;

    @BeforeAll
    void start() {
        running = RunningApi.start(getClass(), Map.of());
        client = new GrpcClient(running.grpcPort());
    }

    @AfterAll
    void stop() throws InterruptedException {
        client.close();
        running.close();
    }

    @Test
    void anOwnerStartsARotationAndASecondStartIsRefusedNamingTheFirst() {
        TrustRows rows = new TrustRows(running, "east");
        String owner = running.mint(running.adminToken, rows.tenant, "rotator", "owner");

        RootRotation started = stub(owner).startRootRotation(start(rows));

        assertThat(started.getStage()).isEqualTo("requested");
        assertThat(started.getRequestedBy()).startsWith("token:rotator/");
        assertThat(started.hasStageRevision()).isFalse();
        assertThat(rows.audited("create", "RootRotation")).isEqualTo(1);
        StatusRuntimeException refused = assertRefused(rows, () -> stub(owner).startRootRotation(start(rows)),
                Status.Code.FAILED_PRECONDITION, "rotation_in_progress");
        assertThat(refused.getStatus().getDescription()).contains(started.getId(), "'requested'");
    }

    @Test
    void aViewerCannotStartARotation() {
        TrustRows rows = new TrustRows(running, "east");
        String viewer = running.mint(running.adminToken, rows.tenant, "watcher", "viewer");

        assertRefused(rows, () -> stub(viewer).startRootRotation(start(rows)), Status.Code.PERMISSION_DENIED, "forbidden");
    }

    @Test
    void getAndListShowEachClustersProgress() {
        TrustRows rows = new TrustRows(running, "east", "west");
        byte[] oldRoot = rows.root(OffsetDateTime.now().minusDays(30));
        byte[] newRoot = rows.root(null);
        String id = stub(running.adminToken).startRootRotation(start(rows)).getId();
        rows.stage(id, "reissue", 9, oldRoot, newRoot);
        rows.reported("east", 9, newRoot, OffsetDateTime.now().plusDays(30));
        rows.reported("west", 9, oldRoot, OffsetDateTime.now().plusDays(20));

        RootRotation rotation = stub(running.adminToken).getRootRotation(GetRootRotationRequest.newBuilder()
                .setTenant(rows.tenant).setId(id).build());
        ListRootRotationsResponse listed = stub(running.adminToken).listRootRotations(ListRootRotationsRequest.newBuilder()
                .setTenant(rows.tenant).build());

        assertThat(rotation.getStage()).isEqualTo("reissue");
        assertThat(rotation.getStageRevision()).isEqualTo(9);
        assertThat(rotation.getNewRootSha256()).isEqualTo(ByteString.copyFrom(newRoot));
        assertThat(rotation.getClustersList()).extracting(RootRotationCluster::getCluster).containsExactly("east", "west");
        assertThat(rotation.getClustersList()).extracting(RootRotationCluster::getStageApplied).containsExactly(true, false);
        assertThat(rotation.getClusters(0).getAppliedRevision()).isEqualTo(9);
        assertThat(rotation.getClusters(1).getSvidRootSha256()).isEqualTo(ByteString.copyFrom(oldRoot));
        assertThat(rotation.getSummary().getWaitingForList()).containsExactly("west");
        assertThat(listed.getItemsList()).extracting(RootRotation::getId).containsExactly(id);
    }

    @Test
    void malformedInputIsInvalidArgumentNamingTheField() {
        TrustRows rows = new TrustRows(running, "east");

        assertRefused(rows, () -> stub(running.adminToken).getRootRotation(GetRootRotationRequest.newBuilder()
                .setTenant(rows.tenant).setId("42").build()), Status.Code.INVALID_ARGUMENT, "invalid_request", "id");
        assertRefused(rows, () -> stub(running.adminToken).retireRoot(RetireRootRequest.newBuilder()
                        .setTenant(rows.tenant).setSha256(ByteString.copyFrom(new byte[3])).build()),
                Status.Code.INVALID_ARGUMENT, "invalid_request", "sha256");
    }

    @Test
    void aRootInUseIsRefusedWithOneAuditEntryAndAnUnusedOneIsRetired() {
        TrustRows rows = new TrustRows(running, "east");
        byte[] old = rows.root(OffsetDateTime.now().minusDays(30));
        byte[] signing = rows.root(OffsetDateTime.now().minusDays(1));
        rows.reported("east", 2, old, OffsetDateTime.now().plusDays(20));
        Map<String, Object> before = rows.state();

        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                () -> stub(running.adminToken).retireRoot(retire(rows, old)));

        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(detail(StatusProto.fromThrowable(refused), ErrorInfo.class).getReason()).isEqualTo("root_in_use");
        assertThat(refused.getStatus().getDescription()).contains("east");
        assertThat(rows.retiredAt(old)).isNull();
        assertThat(rows.state().get("revision")).isEqualTo(before.get("revision"));
        assertThat(rows.audited("refuse", "TrustRoot")).isEqualTo(1);

        rows.reported("east", 2, signing, OffsetDateTime.now().plusDays(30));
        stub(running.adminToken).retireRoot(retire(rows, old));

        assertThat(rows.retiredAt(old)).isNotNull();
        assertThat((Long) rows.state().get("revision")).isEqualTo((Long) before.get("revision") + 1);
        var trust = stub(running.adminToken).getTenantTrust(GetTenantTrustRequest.newBuilder().setTenant(rows.tenant).build());
        assertThat(trust.getRootsList()).extracting(TrustRoot::getState).containsExactlyInAnyOrder("retired", "signing");
        assertThat(trust.getClusters(0).getSvidRootSha256()).isEqualTo(ByteString.copyFrom(signing));
        assertThat(trust.getClusters(0).hasReportedIntermediateNotAfter()).isTrue();
    }

    private StatusRuntimeException assertRefused(TrustRows rows, Executable call, Status.Code code, String reason,
                                                 String... fields) {
        Map<String, Object> before = rows.state();

        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, call);

        assertThat(refused.getStatus().getCode()).as(String.valueOf(refused.getStatus())).isEqualTo(code);
        com.google.rpc.Status status = StatusProto.fromThrowable(refused);
        assertThat(detail(status, ErrorInfo.class).getReason()).isEqualTo(reason);
        if (fields.length > 0) {
            assertThat(detail(status, BadRequest.class).getFieldViolationsList())
                    .extracting(BadRequest.FieldViolation::getField).containsExactly(fields);
        }
        assertThat(rows.state()).as("nothing written").isEqualTo(before);
        return refused;
    }

    private static StartRootRotationRequest start(TrustRows rows) {
        return StartRootRotationRequest.newBuilder().setTenant(rows.tenant).build();
    }

    private static RetireRootRequest retire(TrustRows rows, byte[] root) {
        return RetireRootRequest.newBuilder().setTenant(rows.tenant).setSha256(ByteString.copyFrom(root)).build();
    }

    private static <T extends Message> T detail(com.google.rpc.Status status, Class<T> type) {
        for (Any any : status.getDetailsList()) {
            if (any.is(type)) {
                try {
                    return any.unpack(type);
                } catch (InvalidProtocolBufferException e) {
                    throw new AssertionError(e);
                }
            }
        }
        throw new AssertionError("no " + type.getSimpleName() + " in " + status);
    }

    private TrustServiceGrpc.TrustServiceBlockingStub stub(String token) {
        return TrustServiceGrpc.newBlockingStub(client.as(token)).withDeadlineAfter(60, TimeUnit.SECONDS);
    }
}

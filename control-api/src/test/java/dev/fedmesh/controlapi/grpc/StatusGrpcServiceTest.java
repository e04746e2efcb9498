package dev.fedmesh.controlapi.grpc;

import dev.fedmesh.api.v1.ClusterSyncStatus;
import dev.fedmesh.api.v1.GetClusterStatusRequest;
import dev.fedmesh.api.v1.GetTenantStatusRequest;
import dev.fedmesh.api.v1.ProxySyncState;
import dev.fedmesh.api.v1.PublishFailure;
import dev.fedmesh.api.v1.StatusServiceGrpc;
import dev.fedmesh.api.v1.TenantStatus;
import dev.fedmesh.controlapi.RunningApi;
import dev.fedmesh.controlapi.http.StatusRows;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.Arrays;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static dev.fedmesh.db.jooq.Tables.TENANTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** fedmesh.v1.StatusService over a real port and real PostgreSQL: what REST's status calls show. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StatusGrpcServiceTest {
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
    void aViewerSeesEachClusterInOrOutOfSyncWithItsProxies() {
        String tenant = running.newTenant();
        for (String cluster : new String[] {"east", "west"}) {
            assertThat(running.send(running.adminToken, "POST", "/api/v1/tenants/" + tenant + "/clusters",
                    "{\"name\": \"" + cluster + "\"}").statusCode()).isEqualTo(201);
        }
        UUID id = running.db.select(TENANTS.ID).from(TENANTS).where(TENANTS.NAME.eq(tenant)).fetchSingle(TENANTS.ID);
        StatusRows rows = new StatusRows(running.db);
        rows.published(id, "east", 4, sha(1));
        rows.reported(id, "east", 4, sha(1));
        rows.proxy(id, "east", "gateway", "NACKED", "listener 'greeter': unknown filter");
        String viewer = running.mint(running.adminToken, tenant, "reader", "viewer");

        TenantStatus status = stub(viewer).getTenantStatus(GetTenantStatusRequest.newBuilder().setTenant(tenant).build());
        ClusterSyncStatus west = stub(viewer).getClusterStatus(GetClusterStatusRequest.newBuilder()
                .setTenant(tenant).setCluster("west").build());

        assertThat(status.getStaleAfterSeconds()).isEqualTo(30);
        assertThat(status.getClustersList()).extracting(ClusterSyncStatus::getCluster).containsExactly("east", "west");
        ClusterSyncStatus east = status.getClusters(0);
        assertThat(east.getDesiredRevision()).isEqualTo(4);
        assertThat(east.getAppliedRevision()).isEqualTo(4);
        assertThat(east.getInSync()).isTrue();
        assertThat(east.getStale()).isFalse();
        assertThat(east.getProxiesList()).singleElement().satisfies(proxy -> {
            assertThat(proxy.getState()).isEqualTo(ProxySyncState.NACKED);
            assertThat(proxy.getError()).isEqualTo("listener 'greeter': unknown filter");
            assertThat(proxy.getTypes(0).getAckedVersion()).isEqualTo("5.0-abc");
        });
        assertThat(west.hasDesiredRevision()).isFalse();
        assertThat(west.hasAppliedRevision()).isFalse();
        assertThat(west.hasLastHeartbeat()).isFalse();
        assertThat(west.getStale()).isTrue();
        assertThatThrownBy(() -> stub(viewer).getClusterStatus(GetClusterStatusRequest.newBuilder()
                .setTenant(tenant).setCluster("south").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    }

    @Test
    void aTenantWhoseChangesCannotBePublishedSeesWhyInItsStatusAndEachClusters() {
        String tenant = running.newTenant();
        assertThat(running.send(running.adminToken, "POST", "/api/v1/tenants/" + tenant + "/clusters",
                "{\"name\": \"east\"}").statusCode()).isEqualTo(201);
        UUID id = running.db.select(TENANTS.ID).from(TENANTS).where(TENANTS.NAME.eq(tenant)).fetchSingle(TENANTS.ID);
        String viewer = running.mint(running.adminToken, tenant, "reader", "viewer");
        GetTenantStatusRequest ofTenant = GetTenantStatusRequest.newBuilder().setTenant(tenant).build();
        assertThat(stub(viewer).getTenantStatus(ofTenant).hasPublishFailure()).isFalse();

        new StatusRows(running.db).publishFailed(id, "ca_failed", "the tenant's CA failed: Vault at https://vault:8200"
                + " refused LIST /v1/pki/issuers (500: internal error)", 4);
        TenantStatus status = stub(viewer).getTenantStatus(ofTenant);
        ClusterSyncStatus east = stub(viewer).getClusterStatus(GetClusterStatusRequest.newBuilder()
                .setTenant(tenant).setCluster("east").build());

        PublishFailure failure = status.getPublishFailure();
        assertThat(failure.getCode()).isEqualTo("ca_failed");
        assertThat(failure.getMessage()).contains("500: internal error");
        assertThat(failure.getAttempts()).isEqualTo(4);
        assertThat(failure.getNextAttemptAt().getSeconds()).isGreaterThan(failure.getLastAttemptAt().getSeconds());
        assertThat(failure.getFailingSince().getSeconds()).isLessThan(failure.getLastAttemptAt().getSeconds());
        assertThat(status.getClusters(0).getPublishFailure()).isEqualTo(failure);
        assertThat(east.getPublishFailure()).isEqualTo(failure);
    }

    private StatusServiceGrpc.StatusServiceBlockingStub stub(String token) {
        return StatusServiceGrpc.newBlockingStub(client.as(token)).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    private static byte[] sha(int fill) {
        byte[] bytes = new byte[32];
        Arrays.fill(bytes, (byte) fill);
        return bytes;
    }
}

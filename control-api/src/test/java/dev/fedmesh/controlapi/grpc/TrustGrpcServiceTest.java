package dev.fedmesh.controlapi.grpc;

import dev.fedmesh.api.v1.ClusterTrust;
import dev.fedmesh.api.v1.GetTenantTrustRequest;
import dev.fedmesh.api.v1.TenantTrust;
import dev.fedmesh.api.v1.TrustServiceGrpc;
import dev.fedmesh.controlapi.RunningApi;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static dev.fedmesh.db.jooq.Tables.INTERMEDIATES;
import static dev.fedmesh.db.jooq.Tables.TENANTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** fedmesh.v1.TrustService over a real port and real PostgreSQL: what REST's trust call shows. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrustGrpcServiceTest {
    private static final long DAY = Duration.ofDays(1).toSeconds();
    private RunningApi running;
    private GrpcClient client;

    @BeforeAll
    void start() {
        running = RunningApi.start(getClass(), Map.of("fedmesh.api.trust.expiry-warning", "10d"));
        client = new GrpcClient(running.grpcPort());
    }

    @AfterAll
    void stop() throws InterruptedException {
        client.close();
        running.close();
    }

    @Test
    void aViewerSeesTheExpiringAndTheMissingClusters() {
        String tenant = tenantWithClusters("east", "north", "west");
        issue(tenant, "east", 3, 1);
        issue(tenant, "west", 20, 2);
        String viewer = running.mint(running.adminToken, tenant, "reader", "viewer");

        TenantTrust trust = stub(viewer).getTenantTrust(GetTenantTrustRequest.newBuilder().setTenant(tenant).build());

        assertThat(trust.getTrustDomain()).isEqualTo(tenant + ".fedmesh.local");
        assertThat(trust.getExpiryWarningSeconds()).isEqualTo(10 * DAY);
        assertThat(trust.getClustersList()).extracting(ClusterTrust::getCluster).containsExactly("east", "north", "west");
        assertThat(trust.getClustersList()).extracting(ClusterTrust::getExpiring).containsExactly(true, false, false);
        assertThat(trust.getClustersList()).extracting(ClusterTrust::getMissing).containsExactly(false, true, false);
        assertThat(trust.getClusters(0).getIntermediates(0).getSecondsLeft()).isBetween(2 * DAY, 3 * DAY);
        assertThat(trust.getSummary().getExpiringList()).containsExactly("east");
        assertThat(trust.getSummary().getMissingList()).containsExactly("north");
        assertThat(trust.getSummary().getEarliestIntermediateSecondsLeft()).isBetween(2 * DAY, 3 * DAY);
    }

    @Test
    void anotherTenantsTrustIsNotFound() {
        String mine = tenantWithClusters("east");
        String theirs = tenantWithClusters("east");
        String owner = running.mint(running.adminToken, mine, "owner-one", "owner");

        assertThatThrownBy(() -> stub(owner).getTenantTrust(GetTenantTrustRequest.newBuilder().setTenant(theirs).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    }

    private String tenantWithClusters(String... clusters) {
        String tenant = running.newTenant();
        for (String cluster : clusters) {
            assertThat(running.send(running.adminToken, "POST", "/api/v1/tenants/" + tenant + "/clusters",
                    "{\"name\": \"" + cluster + "\"}").statusCode()).isEqualTo(201);
        }
        return tenant;
    }

    /** What the distributor writes when it issues {@code cluster} an intermediate living {@code days} more days. */
    private void issue(String tenant, String cluster, int days, int key) {
        UUID id = running.db.select(TENANTS.ID).from(TENANTS).where(TENANTS.NAME.eq(tenant)).fetchSingle(TENANTS.ID);
        byte[] sha256 = new byte[32];
        Arrays.fill(sha256, (byte) key);
        sha256[0] = (byte) tenant.hashCode();
        running.db.insertInto(INTERMEDIATES)
                .set(INTERMEDIATES.PUBLIC_KEY_SHA256, sha256)
                .set(INTERMEDIATES.TENANT_ID, id)
                .set(INTERMEDIATES.CLUSTER, cluster)
                .set(INTERMEDIATES.TRUST_DOMAIN, tenant + ".fedmesh.local")
                .set(INTERMEDIATES.CHAIN_PEM, "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n")
                .set(INTERMEDIATES.NOT_AFTER, OffsetDateTime.now().plusDays(days))
                .execute();
    }

    private TrustServiceGrpc.TrustServiceBlockingStub stub(String token) {
        return TrustServiceGrpc.newBlockingStub(client.as(token)).withDeadlineAfter(60, TimeUnit.SECONDS);
    }
}

package dev.fedmesh.controlapi.federation;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fedmesh.api.v1.ClusterInventory;
import dev.fedmesh.api.v1.EndpointHealth;
import dev.fedmesh.api.v1.FailoverPreview;
import dev.fedmesh.api.v1.InventoryEndpoint;
import dev.fedmesh.api.v1.InventoryService;
import dev.fedmesh.api.v1.PreviewFailoverRequest;
import dev.fedmesh.api.v1.ServiceServiceGrpc;
import dev.fedmesh.controlapi.RestClient;
import dev.fedmesh.controlapi.RunningApi;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static dev.fedmesh.db.jooq.Tables.CLUSTER_INVENTORIES;
import static dev.fedmesh.db.jooq.Tables.TENANTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * "What if east went down" over REST and gRPC on real PostgreSQL, from inventory rows as the
 * distributor stores them: the same plan the agents compute, and nothing written.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FailoverPreviewApiTest {
    private RunningApi running;
    private RestClient api;
    private DSLContext db;
    private String tenant;

    @BeforeAll
    void start() {
        running = RunningApi.start(getClass(), Map.of());
        api = running.operator();
        db = running.db;
    }

    @AfterAll
    void stop() {
        running.close();
    }

    /** east and east2 share region us-east1 (zones b and c), west is in us-west1; each reports greeter. */
    @BeforeEach
    void tenantWithThreeReportingClusters() {
        tenant = running.newTenant();
        register("east", "us-east1", "us-east1-b");
        register("east2", "us-east1", "us-east1-c");
        register("west", "us-west1", "us-west1-a");
        register("quiet", "eu-west1", "eu-west1-a");
        assertThat(api.send("PUT", "/api/v1/tenants/" + tenant + "/services/greeter", "{}").statusCode()).isEqualTo(201);
        report("east", 90, greeter(EndpointHealth.ENDPOINT_HEALTH_HEALTHY, EndpointHealth.ENDPOINT_HEALTH_HEALTHY,
                EndpointHealth.ENDPOINT_HEALTH_HEALTHY));
        report("east2", 5, greeter(EndpointHealth.ENDPOINT_HEALTH_UNHEALTHY, EndpointHealth.ENDPOINT_HEALTH_UNKNOWN));
        report("west", 5, greeter(EndpointHealth.ENDPOINT_HEALTH_HEALTHY, EndpointHealth.ENDPOINT_HEALTH_HEALTHY,
                EndpointHealth.ENDPOINT_HEALTH_HEALTHY));
    }

    @Test
    void withNothingDownEveryCallerKeepsItsOwnClustersTraffic() {
        JsonNode preview = preview("");

        assertThat(caller(preview, "east").at("/served/0/reason").asText()).isEqualTo("own cluster");
        assertThat(caller(preview, "east").at("/served/0/takesTraffic").asBoolean()).isTrue();
        assertThat(caller(preview, "west").at("/served/0/clusters/0/cluster").asText()).isEqualTo("west");
        assertThat(caller(preview, "quiet").at("/served/0/reason").asText())
                .as("a cluster not running greeter sends its calls anywhere").isEqualTo("anywhere");
        assertThat(preview.get("policy").isNull()).isTrue();
        assertThat(preview.get("thresholdPercent").asInt()).isEqualTo(70);
    }

    @Test
    void withEastDownEastsCallsGoToWestBecauseTheRestOfItsRegionIsBelowTheThreshold() {
        JsonNode east = caller(preview("?down=east"), "east");

        assertThat(east.get("down").asBoolean()).isTrue();
        assertThat(east.get("panic").asBoolean()).isFalse();
        assertThat(east.get("served")).extracting(step -> step.get("reason").asText())
                .containsExactly("anywhere", "region us-east1");
        assertThat(east.at("/served/0/clusters/0/cluster").asText()).isEqualTo("west");
        assertThat(east.at("/served/0/priority").asInt()).isZero();
        assertThat(east.at("/served/1/endpoints").asInt()).isEqualTo(2);
        assertThat(east.at("/served/1/healthy").asInt()).as("UNKNOWN counts as healthy, UNHEALTHY does not").isEqualTo(1);
        assertThat(east.at("/unserved/0/reason").asText()).isEqualTo("own cluster");
        JsonNode downCluster = east.at("/unserved/0/clusters/0");
        assertThat(downCluster.get("endpoints").asInt()).isEqualTo(3);
        assertThat(downCluster.get("healthy").asInt()).isZero();
        assertThat(downCluster.get("down").asBoolean()).isTrue();
    }

    @Test
    void aRegionAndAZoneCanBeTakenDownAndEverythingDownIsPanic() {
        JsonNode byRegion = preview("?down=region:us-east1");
        JsonNode byZone = preview("?down=zone:us-east1/us-east1-b");
        JsonNode everything = preview("?down=region:us-east1&down=west");

        assertThat(caller(byRegion, "east2").get("down").asBoolean()).isTrue();
        assertThat(caller(byRegion, "east2").at("/served/0/clusters/0/cluster").asText()).isEqualTo("west");
        assertThat(caller(byZone, "east2").get("down").asBoolean()).isFalse();
        assertThat(caller(byZone, "east").get("down").asBoolean()).isTrue();
        assertThat(everything.get("down")).extracting(JsonNode::asText).containsExactly("region:us-east1", "west");
        assertThat(caller(everything, "west").get("panic").asBoolean()).isTrue();
        assertThat(caller(everything, "west").get("unserved")).isEmpty();
    }

    @Test
    void theServicesFailoverPolicyDecidesTheOrderAndTheThreshold() {
        HttpResponse<String> applied = api.send("PUT", "/api/v1/tenants/" + tenant + "/policies/greeter-failover", """
                {"kind": "Failover", "name": "greeter-failover", "target": {"service": "greeter"},
                 "spec": {"order": [{"cluster": "east2"}], "healthyPercentThreshold": 50}}""");
        assertThat(applied.statusCode()).as(applied.body()).isEqualTo(201);

        JsonNode preview = preview("?down=east");

        assertThat(preview.get("policy").asText()).isEqualTo("greeter-failover");
        assertThat(preview.get("thresholdPercent").asInt()).isEqualTo(50);
        JsonNode east = caller(preview, "east");
        assertThat(east.get("served")).extracting(step -> step.get("reason").asText())
                .containsExactly("order[0]: cluster east2");
        assertThat(east.toString()).as("a cluster the order leaves out gets none of the traffic").doesNotContain("\"west\"");
    }

    @Test
    void eachClustersInventoryAgeIsShownAndOneThatNeverReportedSaysSo() {
        JsonNode preview = preview("");

        JsonNode east = preview.get("inventories").get(0);
        assertThat(east.get("cluster").asText()).isEqualTo("east");
        assertThat(east.get("reported").asBoolean()).isTrue();
        assertThat(east.get("ageSeconds").asLong()).isGreaterThanOrEqualTo(90);
        assertThat(east.get("endpoints").asInt()).isEqualTo(3);
        JsonNode quiet = preview.get("inventories").get(2);
        assertThat(quiet.get("cluster").asText()).isEqualTo("quiet");
        assertThat(quiet.get("reported").asBoolean()).isFalse();
        assertThat(quiet.get("reportedAt").isNull()).isTrue();
    }

    @Test
    void anUnknownDownIsRefusedNamingDownAndAnUnknownServiceIsNotFound() {
        HttpResponse<String> unknownCluster = api.send("GET", path("greeter") + "?down=nowhere", null);
        HttpResponse<String> unknownZone = api.send("GET", path("greeter") + "?down=zone:us-east1", null);
        HttpResponse<String> unknownService = api.send("GET", path("nobody"), null);

        assertThat(unknownCluster.statusCode()).isEqualTo(400);
        assertThat(RunningApi.json(unknownCluster).at("/details/0/field").asText()).isEqualTo("down");
        assertThat(RunningApi.json(unknownCluster).at("/details/0/problem").asText()).contains("'nowhere'", "region:");
        assertThat(RunningApi.json(unknownZone).at("/details/0/problem").asText()).contains("zone:<region>/<zone>");
        assertThat(unknownService.statusCode()).isEqualTo(404);
    }

    @Test
    void aViewerMayPreviewAndNothingIsWritten() {
        String viewer = running.mint(running.adminToken, tenant, "watcher", "viewer");
        Map<String, Integer> before = running.rowCounts();

        HttpResponse<String> answer = running.send(viewer, "GET", path("greeter") + "?down=east", null);

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(running.rowCounts()).isEqualTo(before);
    }

    @Test
    void reissuingAClustersCredentialDeletesItsInventoryAndNoOtherClusters() {
        HttpResponse<String> reissued = api.send("POST", "/api/v1/tenants/" + tenant + "/clusters/east/bootstrap-credential", null);

        assertThat(reissued.statusCode()).as(reissued.body()).isEqualTo(201);
        assertThat(db.select(CLUSTER_INVENTORIES.CLUSTER).from(CLUSTER_INVENTORIES).join(TENANTS)
                .on(TENANTS.ID.eq(CLUSTER_INVENTORIES.TENANT_ID)).where(TENANTS.NAME.eq(tenant))
                .orderBy(CLUSTER_INVENTORIES.CLUSTER).fetch(CLUSTER_INVENTORIES.CLUSTER)).containsExactly("east2", "west");
        JsonNode preview = preview("");
        assertThat(preview.get("inventories").get(0).get("reported").asBoolean()).isFalse();
        assertThat(caller(preview, "east").get("served")).as("east no longer counts as running greeter")
                .extracting(step -> step.get("reason").asText()).containsExactly("anywhere", "region us-east1");
    }

    @Test
    void grpcAnswersWhatRestAnswers() throws InterruptedException {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", running.grpcPort()).usePlaintext().build();
        try {
            Metadata headers = new Metadata();
            headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + running.adminToken);
            var stub = ServiceServiceGrpc.newBlockingStub(ClientInterceptors.intercept(channel,
                    MetadataUtils.newAttachHeadersInterceptor(headers))).withDeadlineAfter(60, TimeUnit.SECONDS);

            FailoverPreview preview = stub.previewFailover(PreviewFailoverRequest.newBuilder()
                    .setTenant(tenant).setService("greeter").addDown("east").build());
            StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> stub.previewFailover(
                    PreviewFailoverRequest.newBuilder().setTenant(tenant).setService("greeter").addDown("region:mars").build()));

            var east = preview.getCallersList().stream().filter(c -> c.getCluster().equals("east")).findFirst().orElseThrow();
            assertThat(east.getServed(0).getClusters(0).getCluster()).isEqualTo("west");
            assertThat(east.getServed(0).getTakesTraffic()).isTrue();
            assertThat(east.getUnserved(0).hasPriority()).isFalse();
            assertThat(preview.getInventories(0).getAgeSeconds()).isGreaterThanOrEqualTo(90);
            assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(refused.getStatus().getDescription()).contains("down");
        } finally {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    private JsonNode preview(String query) {
        HttpResponse<String> answer = api.send("GET", path("greeter") + query, null);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return RunningApi.json(answer);
    }

    private static JsonNode caller(JsonNode preview, String cluster) {
        for (JsonNode caller : preview.get("callers")) {
            if (caller.get("cluster").asText().equals(cluster)) {
                return caller;
            }
        }
        throw new AssertionError("no caller " + cluster + " in " + preview);
    }

    private void register(String name, String region, String zone) {
        HttpResponse<String> created = api.send("POST", "/api/v1/tenants/" + tenant + "/clusters",
                "{\"name\": \"%s\", \"region\": \"%s\", \"zone\": \"%s\"}".formatted(name, region, zone));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    }

    private static InventoryService greeter(EndpointHealth... health) {
        InventoryService.Builder service = InventoryService.newBuilder().setName("greeter");
        for (int i = 0; i < health.length; i++) {
            service.addEndpoints(InventoryEndpoint.newBuilder().setHost("10.0.0." + (i + 1)).setPort(8080).setHealth(health[i]));
        }
        return service.build();
    }

    /** Stores an inventory as the distributor does, reported {@code secondsAgo} by the broker's clock. */
    private void report(String cluster, int secondsAgo, InventoryService service) {
        UUID tenantId = db.select(TENANTS.ID).from(TENANTS).where(TENANTS.NAME.eq(tenant)).fetchSingle().value1();
        ClusterInventory inventory = ClusterInventory.newBuilder().setTenant(tenant).setCluster(cluster).setGeneration(1)
                .addServices(service).build();
        int healthy = (int) service.getEndpointsList().stream()
                .filter(e -> e.getHealth() != EndpointHealth.ENDPOINT_HEALTH_UNHEALTHY).count();
        db.insertInto(CLUSTER_INVENTORIES)
                .set(CLUSTER_INVENTORIES.TENANT_ID, tenantId)
                .set(CLUSTER_INVENTORIES.CLUSTER, cluster)
                .set(CLUSTER_INVENTORIES.INVENTORY, inventory.toByteArray())
                .set(CLUSTER_INVENTORIES.GENERATION, 1L)
                .set(CLUSTER_INVENTORIES.SERVICES, 1)
                .set(CLUSTER_INVENTORIES.ENDPOINTS, service.getEndpointsCount())
                .set(CLUSTER_INVENTORIES.HEALTHY, healthy)
                .set(CLUSTER_INVENTORIES.BROKER_TIME, OffsetDateTime.now().minusSeconds(secondsAgo))
                .set(CLUSTER_INVENTORIES.STATUS_OFFSET, 1L)
                .execute();
    }

    private String path(String service) {
        return "/api/v1/tenants/" + tenant + "/services/" + service + "/failover-preview";
    }
}

package dev.fedmesh.controlapi.grpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import com.google.rpc.BadRequest;
import dev.fedmesh.api.v1.ApplyPolicyRequest;
import dev.fedmesh.api.v1.ApplyPolicyResponse;
import dev.fedmesh.api.v1.ClusterInventory;
import dev.fedmesh.api.v1.ClusterSyncStatus;
import dev.fedmesh.api.v1.EndpointDataPlane;
import dev.fedmesh.api.v1.GetClusterStatusRequest;
import dev.fedmesh.api.v1.InventoryEndpoint;
import dev.fedmesh.api.v1.InventoryService;
import dev.fedmesh.api.v1.PolicyResource;
import dev.fedmesh.api.v1.PolicyWarning;
import dev.fedmesh.api.v1.StatusServiceGrpc;
import dev.fedmesh.controlapi.RunningApi;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import org.jooq.JSONB;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static dev.fedmesh.db.jooq.Tables.CLUSTER_INVENTORIES;
import static dev.fedmesh.db.jooq.Tables.POLICIES;
import static dev.fedmesh.db.jooq.Tables.TENANTS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the API says the data plane does not enforce, over REST and gRPC on real PostgreSQL, with
 * the cluster inventories the distributor stores; and the refusal of TrafficPermission sources
 * naming a cluster.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PolicyWarningsApiTest {
    private static final String GREETER_LIMIT = """
            {"kind": "RateLimit", "target": {"service": "greeter"}, "spec": {"requests": 10, "interval": "1s"}}""";
    private static final String CLUSTER_SOURCE = """
            {"kind": "TrafficPermission", "target": {"service": "greeter"},
             "spec": {"rules": [{"action": "ALLOW", "sources": [{"service": "frontend"}]},
                                {"action": "DENY", "sources": [{"cluster": "east"}]}]}}""";

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
    void aRateLimitWrittenBeforeAnyWorkloadStillWarnsThatProxylessServersWouldNotEnforceIt() {
        String tenant = tenantWithClusters("east");

        HttpResponse<String> written = put(tenant, "greeter-limit", GREETER_LIMIT, "");

        assertThat(written.statusCode()).as(written.body()).isEqualTo(201);
        JsonNode warning = RunningApi.json(written).get("warnings").get(0);
        assertThat(warning.get("code").asText()).isEqualTo("not-enforced");
        assertThat(warning.get("dataPlane").asText()).isEqualTo("proxyless-grpc");
        assertThat(warning.get("clusters")).isEmpty();
        assertThat(warning.get("field").asText()).isEqualTo("spec");
        assertThat(warning.get("message").asText()).contains("RateLimit 'greeter-limit'", "proxyless gRPC servers",
                "no cluster reports endpoints of greeter");
        assertThat(written.headers().allValues("Warning"))
                .containsExactly("299 fedmesh \"" + warning.get("message").asText() + "\"");
    }

    @Test
    void aRateLimitNamesEachClusterWhereTheServiceHasAnEndpointNoEnvoySidecarServes() {
        String tenant = tenantWithClusters("east", "west", "north");
        report(tenant, "east", "greeter", EndpointDataPlane.ENDPOINT_DATA_PLANE_PROXYLESS_GRPC);
        report(tenant, "west", "greeter", EndpointDataPlane.ENDPOINT_DATA_PLANE_ENVOY_SIDECAR);
        report(tenant, "north", "greeter", EndpointDataPlane.ENDPOINT_DATA_PLANE_UNKNOWN);

        HttpResponse<String> dryRun = put(tenant, "greeter-limit", GREETER_LIMIT, "?dryRun=true");
        HttpResponse<String> written = put(tenant, "greeter-limit", GREETER_LIMIT, "");
        HttpResponse<String> read = running.send(running.adminToken, "GET", "/api/v1/tenants/" + tenant
                + "/policies/greeter-limit", null);

        assertThat(dryRun.statusCode()).as(dryRun.body()).isEqualTo(200);
        assertThat(RunningApi.json(dryRun).get("dryRun").asBoolean()).isTrue();
        for (HttpResponse<String> answer : List.of(dryRun, written, read)) {
            JsonNode warnings = RunningApi.json(answer).get("warnings");
            assertThat(warnings).as(answer.body()).hasSize(1);
            assertThat(warnings.get(0).get("clusters")).extracting(JsonNode::asText).containsExactly("east", "north");
            assertThat(warnings.get(0).get("message").asText()).contains("in clusters east, north");
            assertThat(answer.headers().allValues("Warning")).singleElement().asString()
                    .startsWith("299 fedmesh \"RateLimit 'greeter-limit': spec is not enforced by proxyless gRPC servers");
        }
    }

    @Test
    void aPolicyEveryDataPlaneEnforcesHasNoWarning() {
        String tenant = tenantWithClusters("east");
        report(tenant, "east", "greeter", EndpointDataPlane.ENDPOINT_DATA_PLANE_PROXYLESS_GRPC);

        HttpResponse<String> written = put(tenant, "greeter-callers", """
                {"kind": "TrafficPermission", "target": {"service": "greeter"},
                 "spec": {"rules": [{"action": "ALLOW", "sources": [{"namespace": "shop"}]}]}}""", "");

        assertThat(written.statusCode()).as(written.body()).isEqualTo(201);
        assertThat(RunningApi.json(written).has("warnings")).isFalse();
        assertThat(written.headers().allValues("Warning")).isEmpty();
    }

    @Test
    void aClusterStatusListsThePoliciesNotEnforcedOnThatClusterOverRestAndGrpc() {
        String tenant = tenantWithClusters("east", "west");
        report(tenant, "east", "greeter", EndpointDataPlane.ENDPOINT_DATA_PLANE_PROXYLESS_GRPC);
        report(tenant, "west", "greeter", EndpointDataPlane.ENDPOINT_DATA_PLANE_ENVOY_SIDECAR);
        assertThat(put(tenant, "greeter-limit", GREETER_LIMIT, "").statusCode()).isEqualTo(201);

        JsonNode east = RunningApi.json(running.send(running.adminToken, "GET", "/api/v1/tenants/" + tenant
                + "/clusters/east/status", null));
        JsonNode tenantStatus = RunningApi.json(running.send(running.adminToken, "GET", "/api/v1/tenants/" + tenant
                + "/status", null));
        ClusterSyncStatus eastOverGrpc = StatusServiceGrpc.newBlockingStub(client.as(running.adminToken))
                .withDeadlineAfter(60, TimeUnit.SECONDS)
                .getClusterStatus(GetClusterStatusRequest.newBuilder().setTenant(tenant).setCluster("east").build());

        assertThat(east.get("notEnforced")).singleElement().satisfies(entry -> {
            assertThat(entry.get("code").asText()).isEqualTo("not-enforced");
            assertThat(entry.get("kind").asText()).isEqualTo("RateLimit");
            assertThat(entry.get("policy").asText()).isEqualTo("greeter-limit");
            assertThat(entry.get("dataPlane").asText()).isEqualTo("proxyless-grpc");
            assertThat(entry.get("clusters")).extracting(JsonNode::asText).containsExactly("east");
            assertThat(entry.get("field").asText()).isEqualTo("spec");
        });
        JsonNode west = tenantStatus.get("clusters").get(1);
        assertThat(west.get("cluster").asText()).isEqualTo("west");
        assertThat(west.get("notEnforced")).isEmpty();
        assertThat(eastOverGrpc.getNotEnforcedList()).extracting(PolicyWarning::getPolicy, PolicyWarning::getDataPlane,
                        PolicyWarning::getClustersList)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("greeter-limit", "proxyless-grpc", List.of("east")));
    }

    @Test
    void aGrpcApplyCarriesTheWarningsInItsResponseOnAWriteAndADryRun() {
        String tenant = tenantWithClusters("east");
        report(tenant, "east", "greeter", EndpointDataPlane.ENDPOINT_DATA_PLANE_PROXYLESS_GRPC);
        PolicyResource policy = PolicyResource.newBuilder().setKind("RateLimit").setName("greeter-limit")
                .setTarget(struct("{\"service\": \"greeter\"}"))
                .setSpec(struct("{\"requests\": 10, \"interval\": \"1s\"}"))
                .build();

        ApplyPolicyResponse dryRun = client.policies(running.adminToken).applyPolicy(ApplyPolicyRequest.newBuilder()
                .setTenant(tenant).setPolicy(policy).setDryRun(true).build());
        ApplyPolicyResponse written = client.policies(running.adminToken).applyPolicy(ApplyPolicyRequest.newBuilder()
                .setTenant(tenant).setPolicy(policy).build());

        for (ApplyPolicyResponse response : List.of(dryRun, written)) {
            assertThat(response.getWarningsList()).singleElement().satisfies(warning -> {
                assertThat(warning.getCode()).isEqualTo("not-enforced");
                assertThat(warning.getDataPlane()).isEqualTo("proxyless-grpc");
                assertThat(warning.getClustersList()).containsExactly("east");
                assertThat(warning.getField()).isEqualTo("spec");
                assertThat(warning.getMessage()).contains("RateLimit 'greeter-limit'");
                assertThat(warning.getPolicy()).isEmpty();
            });
        }
        assertThat(dryRun.hasDryRun()).isTrue();
        assertThat(written.getCreated()).isTrue();
    }

    @Test
    void aTrafficPermissionNamingAClusterSourceIsRefusedNamingTheFieldAndTheAlternativeAndNothingIsWritten() {
        String tenant = tenantWithClusters("east");
        Map<String, Integer> before = running.rowCounts();

        HttpResponse<String> refused = put(tenant, "greeter-callers", CLUSTER_SOURCE, "");
        HttpResponse<String> refusedDryRun = put(tenant, "greeter-callers", CLUSTER_SOURCE, "?dryRun=true");
        PolicyResource policy = PolicyResource.newBuilder().setKind("TrafficPermission").setName("greeter-callers")
                .setTarget(struct("{\"service\": \"greeter\"}"))
                .setSpec(struct("{\"rules\": [{\"action\": \"DENY\", \"sources\": [{\"cluster\": \"east\"}]}]}"))
                .build();
        StatusRuntimeException overGrpc = (StatusRuntimeException) org.assertj.core.api.Assertions.catchThrowable(() ->
                client.policies(running.adminToken).applyPolicy(ApplyPolicyRequest.newBuilder().setTenant(tenant)
                        .setPolicy(policy).build()));

        for (HttpResponse<String> answer : List.of(refused, refusedDryRun)) {
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(400);
            JsonNode detail = RunningApi.json(answer).get("details").get(0);
            assertThat(detail.get("field").asText()).isEqualTo("spec.rules[1].sources[0].cluster");
            assertThat(detail.get("problem").asText()).contains("names cluster 'east'",
                    "SPIFFE id is the same in every cluster", "own service account");
        }
        assertThat(overGrpc.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        BadRequest badRequest = StatusProto.fromThrowable(overGrpc).getDetailsList().stream()
                .filter(any -> any.is(BadRequest.class))
                .map(any -> {
                    try {
                        return any.unpack(BadRequest.class);
                    } catch (InvalidProtocolBufferException e) {
                        throw new AssertionError(e);
                    }
                })
                .findFirst().orElseThrow();
        assertThat(badRequest.getFieldViolationsList()).extracting(BadRequest.FieldViolation::getField)
                .containsExactly("spec.rules[0].sources[0].cluster");
        assertThat(running.rowCounts()).isEqualTo(before);
    }

    @Test
    void aStoredTrafficPermissionWithAClusterSourceIsStillReadAndCanBeDeleted() {
        String tenant = tenantWithClusters("east");
        running.db.insertInto(POLICIES)
                .set(POLICIES.TENANT_ID, tenantId(tenant))
                .set(POLICIES.NAME, "greeter-callers")
                .set(POLICIES.KIND, "TrafficPermission")
                .set(POLICIES.LABELS, JSONB.jsonb("{}"))
                .set(POLICIES.TARGET, JSONB.jsonb("{\"service\": \"greeter\"}"))
                .set(POLICIES.FROM_SOURCES, JSONB.jsonb("[]"))
                .set(POLICIES.SPEC, JSONB.jsonb("{\"rules\": [{\"action\": \"DENY\", \"sources\": [{\"cluster\": \"east\"}]}]}"))
                .set(POLICIES.RESOURCE_VERSION, 1L)
                .execute();
        String path = "/api/v1/tenants/" + tenant + "/policies/greeter-callers";

        HttpResponse<String> read = running.send(running.adminToken, "GET", path, null);
        HttpResponse<String> deleted = running.send(running.adminToken, "DELETE", path, null);

        assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
        assertThat(RunningApi.json(read).get("spec").get("rules").get(0).get("sources").get(0).get("cluster").asText())
                .isEqualTo("east");
        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(204);
    }

    private HttpResponse<String> put(String tenant, String name, String body, String query) {
        return running.send(running.adminToken, "PUT", "/api/v1/tenants/" + tenant + "/policies/" + name + query, body);
    }

    private String tenantWithClusters(String... clusters) {
        String tenant = running.newTenant();
        for (String cluster : clusters) {
            HttpResponse<String> created = running.send(running.adminToken, "POST", "/api/v1/tenants/" + tenant + "/clusters",
                    "{\"name\": \"" + cluster + "\"}");
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        }
        return tenant;
    }

    private UUID tenantId(String tenant) {
        return running.db.select(TENANTS.ID).from(TENANTS).where(TENANTS.NAME.eq(tenant)).fetchSingle(TENANTS.ID);
    }

    /** Stores a cluster's inventory as the distributor does: one endpoint of {@code service}, served by {@code dataPlane}. */
    private void report(String tenant, String cluster, String service, EndpointDataPlane dataPlane) {
        ClusterInventory inventory = ClusterInventory.newBuilder().setTenant(tenant).setCluster(cluster).setGeneration(1)
                .addServices(InventoryService.newBuilder().setName(service).addEndpoints(InventoryEndpoint.newBuilder()
                        .setHost("10.0.0.7").setPort(8080).setDataPlane(dataPlane)))
                .build();
        running.db.insertInto(CLUSTER_INVENTORIES)
                .set(CLUSTER_INVENTORIES.TENANT_ID, tenantId(tenant))
                .set(CLUSTER_INVENTORIES.CLUSTER, cluster)
                .set(CLUSTER_INVENTORIES.INVENTORY, inventory.toByteArray())
                .set(CLUSTER_INVENTORIES.GENERATION, 1L)
                .set(CLUSTER_INVENTORIES.SERVICES, 1)
                .set(CLUSTER_INVENTORIES.ENDPOINTS, 1)
                .set(CLUSTER_INVENTORIES.HEALTHY, 1)
                .set(CLUSTER_INVENTORIES.BROKER_TIME, OffsetDateTime.now())
                .set(CLUSTER_INVENTORIES.STATUS_OFFSET, 1L)
                .execute();
    }

    private static Struct struct(String json) {
        Struct.Builder struct = Struct.newBuilder();
        try {
            JsonFormat.parser().merge(json, struct);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException(json, e);
        }
        return struct.build();
    }
}

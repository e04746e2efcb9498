package dev.fedmesh.controlapi.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fedmesh.controlapi.RunningApi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

import static dev.fedmesh.db.jooq.Tables.CLUSTER_STATUS;
import static dev.fedmesh.db.jooq.Tables.TENANTS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The status endpoints on real PostgreSQL, over HTTP, with the rows the distributor writes when
 * it publishes a config and when an agent reports.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StatusApiTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final byte[] CONFIG_A = sha(1);
    private static final byte[] CONFIG_B = sha(2);

    private RunningApi running;
    private StatusRows rows;

    @BeforeAll
    void start() {
        running = RunningApi.start(getClass(), Map.of("fedmesh.api.status.stale-after", "2s"));
        rows = new StatusRows(running.db);
    }

    @AfterAll
    void stop() {
        running.close();
    }

    @Test
    void everyClusterShowsDesiredAndAppliedRevisionSyncAndEachProxy() {
        String tenant = tenantWithClusters("east", "west", "north");
        UUID id = tenantId(tenant);
        rows.published(id, "east", 5, CONFIG_A);
        rows.published(id, "west", 5, CONFIG_A);
        rows.reported(id, "east", 5, CONFIG_A);
        rows.proxy(id, "east", "frontend-1", "SYNCED", null);
        rows.reported(id, "west", 4, CONFIG_B);
        rows.proxy(id, "west", "gateway", "NACKED", "listener 'greeter': unknown filter");
        rows.proxy(id, "west", "sidecar-2", "STALE", null);

        JsonNode status = get("/api/v1/tenants/" + tenant + "/status");

        assertThat(status.get("tenant").asText()).isEqualTo(tenant);
        assertThat(status.get("clusters")).extracting(c -> c.get("cluster").asText())
                .containsExactly("east", "north", "west");
        JsonNode east = status.get("clusters").get(0);
        assertThat(east.get("desiredRevision").asText()).isEqualTo("5");
        assertThat(east.get("appliedRevision").asText()).isEqualTo("5");
        assertThat(east.get("appliedSha256").asText()).isEqualTo(HexFormat.of().formatHex(CONFIG_A));
        assertThat(east.get("inSync").asBoolean()).isTrue();
        assertThat(east.get("syncSince").isNull()).isFalse();
        assertThat(east.get("stale").asBoolean()).isFalse();
        assertThat(east.get("proxies")).singleElement().satisfies(proxy -> {
            assertThat(proxy.get("node").asText()).isEqualTo("frontend-1");
            assertThat(proxy.get("state").asText()).isEqualTo("SYNCED");
            assertThat(proxy.get("error").isNull()).isTrue();
            assertThat(proxy.get("types").get(0).get("ackedVersion").asText()).isEqualTo("5.0-abc");
        });
        JsonNode north = status.get("clusters").get(1);
        assertThat(north.get("desiredRevision").isNull()).isTrue();
        assertThat(north.get("appliedRevision").isNull()).isTrue();
        assertThat(north.get("lastHeartbeat").isNull()).isTrue();
        assertThat(north.get("inSync").asBoolean()).isFalse();
        assertThat(north.get("stale").asBoolean()).isTrue();
        JsonNode west = get("/api/v1/tenants/" + tenant + "/clusters/west/status");
        assertThat(west.get("desiredRevision").asText()).isEqualTo("5");
        assertThat(west.get("appliedRevision").asText()).isEqualTo("4");
        assertThat(west.get("inSync").asBoolean()).isFalse();
        assertThat(west.get("proxies")).extracting(p -> p.get("node").asText() + " " + p.get("state").asText()
                + " " + p.get("error").asText()).containsExactly(
                "gateway NACKED listener 'greeter': unknown filter", "sidecar-2 STALE null");
    }

    @Test
    void aTenantWhoseChangesCannotBePublishedSeesWhyInItsStatusAndInEachClustersUntilTheyAre() {
        String tenant = tenantWithClusters("east", "west");
        UUID id = tenantId(tenant);
        rows.published(id, "east", 2, CONFIG_A);
        String tooLarge = "the config of cluster 'east' of tenant '" + tenant + "' is 1203455 bytes as a Kafka record,"
                + " over the limit of 1048576 bytes";
        assertThat(get("/api/v1/tenants/" + tenant + "/status").has("publishFailure")).isFalse();

        rows.publishFailed(id, "config_too_large", tooLarge, 3);
        JsonNode status = get("/api/v1/tenants/" + tenant + "/status");
        JsonNode west = get("/api/v1/tenants/" + tenant + "/clusters/west/status");

        JsonNode failure = status.get("publishFailure");
        assertThat(failure.get("code").asText()).isEqualTo("config_too_large");
        assertThat(failure.get("message").asText()).isEqualTo(tooLarge);
        assertThat(failure.get("attempts").asInt()).isEqualTo(3);
        assertThat(OffsetDateTime.parse(failure.get("failingSince").asText()))
                .isBefore(OffsetDateTime.parse(failure.get("lastAttemptAt").asText()));
        assertThat(OffsetDateTime.parse(failure.get("nextAttemptAt").asText()))
                .isAfter(OffsetDateTime.parse(failure.get("lastAttemptAt").asText()));
        assertThat(status.get("clusters")).allSatisfy(cluster -> assertThat(cluster.get("publishFailure")).isEqualTo(failure));
        assertThat(west.get("publishFailure")).isEqualTo(failure);
        assertThat(status.get("clusters").get(0).get("desiredRevision").asText())
                .as("what east was last given stays shown").isEqualTo("2");

        rows.publishedAgain(id);
        assertThat(get("/api/v1/tenants/" + tenant + "/status").has("publishFailure")).isFalse();
        assertThat(get("/api/v1/tenants/" + tenant + "/clusters/west/status").has("publishFailure")).isFalse();
    }

    @Test
    void quietClusterIsShownStaleWithItsLastSeenTimeAndFreshAgainAtItsNextHeartbeat() {
        String tenant = tenantWithClusters("east");
        UUID id = tenantId(tenant);
        rows.published(id, "east", 3, CONFIG_A);
        rows.reported(id, "east", 3, CONFIG_A);
        String path = "/api/v1/tenants/" + tenant + "/clusters/east/status";
        String lastSeen = get(path).get("lastHeartbeat").asText();

        JsonNode quiet = await(path, status -> status.get("stale").asBoolean());

        assertThat(quiet.get("lastHeartbeat").asText()).isEqualTo(lastSeen);
        assertThat(quiet.get("appliedRevision").asText()).isEqualTo("3");
        assertThat(quiet.get("inSync").asBoolean()).isTrue();
        assertThat(running.db.fetchCount(CLUSTER_STATUS, CLUSTER_STATUS.TENANT_ID.eq(id))).isEqualTo(1);

        rows.reported(id, "east", 3, CONFIG_A);
        JsonNode back = await(path, status -> !status.get("stale").asBoolean());
        assertThat(OffsetDateTime.parse(back.get("lastHeartbeat").asText()))
                .isAfter(OffsetDateTime.parse(lastSeen));
    }

    @Test
    void aViewerReadsStatusAndAnotherTenantsTokenSeesNoSuchTenant() {
        String tenant = tenantWithClusters("east");
        String other = running.newTenant();
        String viewer = running.mint(running.adminToken, tenant, "status-reader", "viewer");
        String stranger = running.mint(running.adminToken, other, "stranger", "owner");

        HttpResponse<String> read = running.send(viewer, "GET", "/api/v1/tenants/" + tenant + "/status", null);
        HttpResponse<String> refused = running.send(stranger, "GET", "/api/v1/tenants/" + tenant + "/status", null);
        HttpResponse<String> unknown = running.send(viewer, "GET", "/api/v1/tenants/" + tenant + "/clusters/south/status", null);

        assertThat(read.statusCode()).isEqualTo(200);
        assertThat(refused.statusCode()).isEqualTo(404);
        assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(RunningApi.json(refused).get("code").asText()).isEqualTo("not_found");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(RunningApi.json(unknown).get("message").asText()).contains("Cluster 'south'");
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

    private JsonNode get(String path) {
        HttpResponse<String> answer = running.send(running.adminToken, "GET", path, null);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return RunningApi.json(answer);
    }

    private JsonNode await(String path, Predicate<JsonNode> expected) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        JsonNode status = get(path);
        while (!expected.test(status)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited " + PATIENCE.toSeconds() + " s at " + path + "; last saw " + status);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            status = get(path);
        }
        return status;
    }

    private static byte[] sha(int fill) {
        byte[] bytes = new byte[32];
        Arrays.fill(bytes, (byte) fill);
        return bytes;
    }
}

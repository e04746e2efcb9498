package dev.fedmesh.controlapi.limits;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fedmesh.controlapi.RunningApi;
import org.jooq.JSONB;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.util.Map;
import java.util.UUID;

import static dev.fedmesh.controlapi.RunningApi.json;
import static dev.fedmesh.db.jooq.Tables.POLICIES;
import static dev.fedmesh.db.jooq.Tables.TENANTS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A write that would make a cluster's desired config larger than Kafka carries is refused, with the
 * size, the limit and the cluster named, and nothing written; a dry run says so too; a tenant left
 * over the limit (the limit lowered since) may still shrink its configs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConfigSizeLimitTest {
    /** As the distributor would be told: 64 KiB records, so 48 KiB configs once the reserve is kept. */
    private static final int MAX_RECORD_BYTES = 64 * 1024;
    private static final int LIMIT = MAX_RECORD_BYTES - 16 * 1024;
    private RunningApi api;
    private String tenant;
    private String editor;

    @BeforeAll
    void startService() {
        api = RunningApi.start(getClass(), Map.of("fedmesh.api.max-config-record-bytes", MAX_RECORD_BYTES));
    }

    @AfterAll
    void stopService() {
        api.close();
    }

    @BeforeEach
    void newTenant() {
        tenant = api.newTenant();
        editor = api.mint(api.adminToken, tenant, "ci", "editor");
        assertThat(api.send(editor, "POST", path("clusters"), "{\"name\": \"east\"}").statusCode()).isEqualTo(201);
    }

    @Test
    void aPolicyThatWouldMakeAConfigTooLargeIsRefusedNamingTheClusterTheSizeAndTheLimitAndNothingIsWritten() {
        assertThat(api.send(editor, "PUT", path("policies/partners-a"), permission("a", 160)).statusCode()).isEqualTo(201);
        Map<String, Integer> before = api.rowCounts();

        HttpResponse<String> second = api.send(editor, "PUT", path("policies/partners-b"), permission("b", 160));

        assertThat(second.statusCode()).isEqualTo(413);
        assertThat(second.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        JsonNode problem = json(second);
        assertThat(problem.get("code").asText()).isEqualTo("config_too_large");
        assertThat(problem.get("message").asText())
                .contains("cluster 'east' of tenant '" + tenant + "'")
                .containsPattern("'east' of tenant '[^']+' \\d{5,} bytes as a Kafka record")
                .contains("over the limit of " + LIMIT + " bytes")
                .contains("fedmesh.api.max-config-record-bytes = " + MAX_RECORD_BYTES);
        assertThat(api.rowCounts()).as("the database holds exactly what it held before").isEqualTo(before);
        assertThat(api.send(editor, "GET", path("policies/partners-b"), null).statusCode()).isEqualTo(404);
    }

    @Test
    void aDryRunOfAWriteThatWouldMakeAConfigTooLargeIsRefusedTheSameWay() {
        api.send(editor, "PUT", path("policies/partners-a"), permission("a", 160));
        Map<String, Integer> before = api.rowCounts();

        HttpResponse<String> dryRun = api.send(editor, "PUT", path("policies/partners-b?dryRun=true"), permission("b", 160));
        HttpResponse<String> fits = api.send(editor, "PUT", path("policies/partners-b?dryRun=true"), permission("b", 10));

        assertThat(dryRun.statusCode()).isEqualTo(413);
        assertThat(json(dryRun).get("code").asText()).isEqualTo("config_too_large");
        assertThat(json(dryRun).get("message").asText()).contains("cluster 'east'").contains("limit of " + LIMIT);
        assertThat(fits.statusCode()).isEqualTo(200);
        assertThat(json(fits).get("dryRun").asBoolean()).isTrue();
        assertThat(api.rowCounts()).isEqualTo(before);
    }

    @Test
    void aTenantLeftOverTheLimitMayShrinkItsConfigsButNotGrowThem() {
        // Written while the limit was higher: east's config is now over it.
        storeDirectly("everyone", permissionSpec("x", 300));
        Map<String, Integer> before = api.rowCounts();

        HttpResponse<String> newPolicy = api.send(editor, "PUT", path("policies/small"), route());
        HttpResponse<String> newService = api.send(editor, "PUT", path("services/checkout"), "{}");
        HttpResponse<String> newCluster = api.send(editor, "POST", path("clusters"), "{\"name\": \"west\"}");
        assertThat(newPolicy.statusCode()).as(newPolicy.body()).isEqualTo(413);
        assertThat(newService.statusCode()).as(newService.body()).isEqualTo(413);
        assertThat(newCluster.statusCode()).as(newCluster.body()).isEqualTo(413);
        assertThat(json(newCluster).get("message").asText()).contains("'west'");
        assertThat(api.rowCounts()).isEqualTo(before);

        HttpResponse<String> smaller = api.send(editor, "PUT", path("policies/everyone"), permission("x", 250));
        HttpResponse<String> deleted = api.send(editor, "DELETE", path("policies/everyone"), null);
        assertThat(smaller.statusCode()).as("a smaller policy, the config still over the limit").isEqualTo(200);
        assertThat(deleted.statusCode()).isEqualTo(204);
        assertThat(api.send(editor, "PUT", path("policies/small"), route()).statusCode()).isEqualTo(201);
    }

    /** A TrafficPermission allowing {@code sources} long SPIFFE ids, about 225 bytes each in a config. */
    private static String permission(String prefix, int sources) {
        return "{\"kind\": \"TrafficPermission\", \"target\": {\"service\": \"greeter\"}, \"spec\": "
                + permissionSpec(prefix, sources) + "}";
    }

    private static String permissionSpec(String prefix, int sources) {
        StringBuilder spec = new StringBuilder("{\"rules\": [");
        for (int rule = 0; rule * 100 < sources; rule++) {
            spec.append(rule == 0 ? "" : ", ").append("{\"action\": \"ALLOW\", \"sources\": [");
            for (int i = rule * 100; i < Math.min(sources, (rule + 1) * 100); i++) {
                spec.append(i == rule * 100 ? "" : ", ").append("{\"spiffeId\": \"spiffe://partner.example/ns/")
                        .append(prefix).append("-").append(i).append("/sa/").append("s".repeat(180)).append("\"}");
            }
            spec.append("]}");
        }
        return spec.append("]}").toString();
    }

    private static String route() {
        return "{\"kind\": \"TrafficRoute\", \"target\": {\"service\": \"greeter\"},"
                + " \"spec\": {\"split\": [{\"subset\": {\"version\": \"v1\"}, \"weight\": 100}]}}";
    }

    private void storeDirectly(String name, String spec) {
        UUID id = api.db.select(TENANTS.ID).from(TENANTS).where(TENANTS.NAME.eq(tenant)).fetchSingle(TENANTS.ID);
        long revision = api.db.select(TENANTS.REVISION).from(TENANTS).where(TENANTS.ID.eq(id)).fetchSingle().value1();
        api.db.insertInto(POLICIES).set(POLICIES.TENANT_ID, id).set(POLICIES.NAME, name)
                .set(POLICIES.KIND, "TrafficPermission").set(POLICIES.TARGET, JSONB.jsonb("{\"service\": \"greeter\"}"))
                .set(POLICIES.SPEC, JSONB.jsonb(spec)).set(POLICIES.RESOURCE_VERSION, revision).execute();
    }

    private String path(String rest) {
        return "/api/v1/tenants/" + tenant + "/" + rest;
    }
}

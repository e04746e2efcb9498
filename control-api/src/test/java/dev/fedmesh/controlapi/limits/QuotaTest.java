package dev.fedmesh.controlapi.limits;

import dev.fedmesh.controlapi.RunningApi;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.util.Map;

import static dev.fedmesh.controlapi.RunningApi.json;
import static dev.fedmesh.db.jooq.Tables.TENANTS;
import static org.assertj.core.api.Assertions.assertThat;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QuotaTest {
    private static final String ROUTE = """
            {"kind": "TrafficRoute", "target": {"service": "%s"},
             "spec": {"split": [{"subset": {"version": "v1"}, "weight": 100}]}}""";
    private RunningApi api;
    private String tenant;
    private String editor;

    @BeforeAll
    void startService() {
        api = RunningApi.start(getClass(), Map.of("fedmesh.api.quotas.max-policies", 2, "fedmesh.api.quotas.max-clusters", 1));
    }

    @AfterAll
    void stopService() {
        api.close();
    }

    @BeforeEach
    void newTenant() {
        tenant = api.newTenant();
        editor = api.mint(api.adminToken, tenant, "ci", "editor");
    }

    @Test
    void aPolicyOverTheQuotaIsRefusedWithRetryAfterAndNothingIsWritten() {
        assertThat(api.send(editor, "PUT", policy("a"), ROUTE.formatted("a")).statusCode()).isEqualTo(201);
        assertThat(api.send(editor, "PUT", policy("b"), ROUTE.formatted("b")).statusCode()).isEqualTo(201);
        Map<String, Integer> before = api.rowCounts();

        HttpResponse<String> third = api.send(editor, "PUT", policy("c"), ROUTE.formatted("c"));

        assertTooMany(third, "quota_exceeded");
        assertThat(json(third).get("message").asText()).contains("policies quota").contains("limit is 2").contains("delete policies");
        assertThat(api.rowCounts()).as("the database holds exactly what it held before").isEqualTo(before);
        assertThat(api.send(editor, "GET", policy("c"), null).statusCode()).isEqualTo(404);
    }

    @Test
    void policiesWithinTheQuotaCanStillBeReplacedAndDeleted() {
        api.send(editor, "PUT", policy("a"), ROUTE.formatted("a"));
        api.send(editor, "PUT", policy("b"), ROUTE.formatted("b"));

        assertThat(api.send(editor, "PUT", policy("a"), ROUTE.formatted("other")).statusCode()).isEqualTo(200);
        assertThat(api.send(editor, "DELETE", policy("b"), null).statusCode()).isEqualTo(204);
        assertThat(api.send(editor, "PUT", policy("c"), ROUTE.formatted("c")).statusCode()).isEqualTo(201);
    }

    @Test
    void aClusterOverTheQuotaIsRefusedWithRetryAfterAndNothingIsWritten() {
        assertThat(api.send(editor, "POST", clusters(), "{\"name\": \"east\"}").statusCode()).isEqualTo(201);
        Map<String, Integer> before = api.rowCounts();

        HttpResponse<String> second = api.send(editor, "POST", clusters(), "{\"name\": \"west\"}");

        assertTooMany(second, "quota_exceeded");
        assertThat(json(second).get("message").asText()).contains("clusters quota").contains("limit is 1").contains("max_clusters");
        assertThat(api.rowCounts()).isEqualTo(before);
    }

    @Test
    void aTenantsOwnQuotaOverridesTheDefault() {
        api.db.update(TENANTS).set(TENANTS.MAX_CLUSTERS, 2).where(TENANTS.NAME.eq(tenant)).execute();

        assertThat(api.send(editor, "POST", clusters(), "{\"name\": \"east\"}").statusCode()).isEqualTo(201);
        assertThat(api.send(editor, "POST", clusters(), "{\"name\": \"west\"}").statusCode()).isEqualTo(201);
        assertTooMany(api.send(editor, "POST", clusters(), "{\"name\": \"north\"}"), "quota_exceeded");
    }

    static void assertTooMany(HttpResponse<String> answer, String code) {
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(429);
        assertThat(answer.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).contains("problem+json"));
        assertThat(answer.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isPositive());
        JsonNode problem = json(answer);
        assertThat(problem.get("code").asText()).isEqualTo(code);
        assertThat(problem.get("status").asInt()).isEqualTo(429);
    }

    private String policy(String name) {
        return "/api/v1/tenants/" + tenant + "/policies/" + name;
    }

    private String clusters() {
        return "/api/v1/tenants/" + tenant + "/clusters";
    }
}

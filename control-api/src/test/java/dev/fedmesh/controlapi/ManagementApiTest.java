package dev.fedmesh.controlapi;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fedmesh.policy.document.PolicyJson;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.fedmesh.db.jooq.Tables.AUDIT_LOG;
import static dev.fedmesh.db.jooq.Tables.OUTBOX;
import static dev.fedmesh.db.jooq.Tables.POLICIES;
import static dev.fedmesh.db.jooq.Tables.TENANTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ManagementApiTest {
    private static final String ROUTE = """
            {"kind": "TrafficRoute", "name": "greeter-split", "target": {"service": "greeter"},
             "spec": {"split": [{"subset": {"version": "v1"}, "weight": %d},
                                {"subset": {"version": "v2"}, "weight": %d}]}}
            """;

    private RunningApi running;
    private RestClient api;
    private DSLContext db;
    private String tenant;

    @BeforeAll
    void startService() {
        running = RunningApi.start(getClass(), Map.of());
        api = running.operator();
        db = running.db;
    }

    @AfterAll
    void stopService() {
        running.close();
    }

    @BeforeEach
    void newTenant() {
        tenant = "t-" + UUID.randomUUID().toString().substring(0, 8);
        assertThat(api.send("POST", "/api/v1/tenants", "{\"name\": \"" + tenant + "\"}").statusCode()).isEqualTo(201);
    }

    @Test
    void aTenantClusterAndRouteAreWrittenWithRevisionAuditAndOutbox() {
        HttpResponse<String> cluster = api.send("POST", clusters(), """
                {"name": "east", "region": "us-east1", "zone": "us-east1-b", "labels": {"tier": "gold"}}""");
        HttpResponse<String> route = api.send("PUT", policy("greeter-split"), ROUTE.formatted(100, 0));

        assertThat(cluster.statusCode()).isEqualTo(201);
        assertThat(route.statusCode()).isEqualTo(201);
        JsonNode stored = json(api.send("GET", policy("greeter-split"), null));
        assertThat(stored.at("/spec/split/1/weight").asInt()).isZero();
        assertThat(stored.get("resourceVersion").asText()).isEqualTo("2");
        assertThat(json(api.send("GET", "/api/v1/tenants/" + tenant, null)).get("revision").asText()).isEqualTo("2");
        UUID id = tenantId();
        assertThat(db.fetchCount(OUTBOX, OUTBOX.TENANT_ID.eq(id))).isEqualTo(2);
        assertThat(db.select(AUDIT_LOG.ACTION, AUDIT_LOG.RESOURCE_KIND).from(AUDIT_LOG)
                .where(AUDIT_LOG.TENANT_ID.eq(id)).orderBy(AUDIT_LOG.ID).fetch().map(r -> r.value1() + " " + r.value2()))
                .containsExactly("create Cluster", "create TrafficRoute");
    }

    @Test
    void replacingARouteRecordsBeforeAndAfter() {
        api.send("PUT", policy("greeter-split"), ROUTE.formatted(100, 0));

        HttpResponse<String> replaced = api.send("PUT", policy("greeter-split"), ROUTE.formatted(20, 80));

        assertThat(replaced.statusCode()).isEqualTo(200);
        assertThat(json(replaced).at("/spec/split/1/weight").asInt()).isEqualTo(80);
        var audit = db.selectFrom(AUDIT_LOG).where(AUDIT_LOG.TENANT_ID.eq(tenantId()).and(AUDIT_LOG.ACTION.eq("update")))
                .fetchSingle();
        assertThat(audit.getBefore().data()).contains("100");
        assertThat(audit.getAfter().data()).contains("80");
    }

    @Test
    void applyingTheSameRouteTwiceChangesNothingTheSecondTime() {
        api.send("PUT", policy("greeter-split"), ROUTE.formatted(20, 80));
        Map<String, Integer> before = rowCounts();

        HttpResponse<String> again = api.send("PUT", policy("greeter-split"), ROUTE.formatted(20, 80));

        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(rowCounts()).isEqualTo(before);
    }

    @Test
    void malformedJsonIsRefusedWithItsPositionAndChangesNothing() {
        assertRefused("PUT", policy("greeter-split"), "{\"kind\": \"TrafficRoute\",", 400, "invalid_request", "");
    }

    @Test
    void anUnknownKindIsRefusedNamingTheField() {
        assertRefused("PUT", policy("x"), "{\"kind\": \"Teleport\", \"target\": {\"service\": \"a\"}, \"spec\": {}}",
                400, "invalid_request", "kind");
    }

    @Test
    void weightsThatDoNotAddUpAreRefusedNamingTheField() {
        assertRefused("PUT", policy("greeter-split"), ROUTE.formatted(20, 70), 400, "invalid_request", "spec.split");
    }

    @Test
    void aTenantCreatedWithoutATrustDomainGetsItsNameUnderFedmeshLocal() {
        assertThat(json(api.send("GET", "/api/v1/tenants/" + tenant, null)).get("trustDomain").asText())
                .isEqualTo(tenant + ".fedmesh.local");
    }

    @Test
    void aTenantKeepsTheTrustDomainItWasCreatedWith() {
        String name = "t-" + UUID.randomUUID().toString().substring(0, 8);

        HttpResponse<String> created = api.send("POST", "/api/v1/tenants",
                "{\"name\": \"" + name + "\", \"trustDomain\": \"" + name + ".example.com\"}");

        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(json(created).get("trustDomain").asText()).isEqualTo(name + ".example.com");
        assertThat(json(api.send("GET", "/api/v1/tenants/" + name, null)).get("trustDomain").asText())
                .isEqualTo(name + ".example.com");
    }

    @Test
    void aTrustDomainThatIsNotOneIsRefusedNamingTheField() {
        assertRefused("POST", "/api/v1/tenants", "{\"name\": \"t-bad-domain\", \"trustDomain\": \"spiffe://Acme\"}",
                400, "invalid_request", "trustDomain");
        assertRefused("POST", "/api/v1/tenants", "{\"name\": \"t-bad-domain\", \"trustDomain\": 7}",
                400, "invalid_request", "trustDomain");
    }

    @Test
    void aTrustDomainBelongsToOneTenantOnly() {
        assertRefused("POST", "/api/v1/tenants", "{\"name\": \"t-other\", \"trustDomain\": \"" + tenant
                + ".fedmesh.local\"}", 409, "trust_domain_taken", null);
    }

    @Test
    void aTenantsTrustDomainCannotBeChanged() {
        assertThatThrownBy(() -> db.update(TENANTS).set(TENANTS.TRUST_DOMAIN, "moved.example.com")
                .where(TENANTS.NAME.eq(tenant)).execute())
                .hasMessageContaining("cannot be changed");
        assertThat(json(api.send("GET", "/api/v1/tenants/" + tenant, null)).get("trustDomain").asText())
                .isEqualTo(tenant + ".fedmesh.local");
    }

    @Test
    void anUnknownTenantIsAnsweredNotFound() {
        assertRefused("PUT", "/api/v1/tenants/nobody-here/policies/greeter-split", ROUTE.formatted(20, 80),
                404, "not_found", null);
        assertRefused("GET", "/api/v1/tenants/nobody-here", null, 404, "not_found", null);
    }

    @Test
    void aClusterWithABadNameIsRefused() {
        assertRefused("POST", clusters(), "{\"name\": \"East_1\", \"region\": 5}", 400, "invalid_request", "name");
    }

    @Test
    void aClusterNameCanBeTakenOnlyOnce() {
        api.send("POST", clusters(), "{\"name\": \"east\"}");

        assertRefused("POST", clusters(), "{\"name\": \"east\"}", 409, "already_exists", null);
    }

    @Test
    void requestsWithoutAValidTokenAreRefused() {
        Map<String, Integer> before = rowCounts();

        HttpResponse<String> missing = api.send("PUT", policy("greeter-split"), ROUTE.formatted(20, 80), "application/json", null);
        HttpResponse<String> forged = api.send("PUT", policy("greeter-split"), ROUTE.formatted(20, 80), "application/json",
                running.adminToken + "x");

        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(forged.statusCode()).isEqualTo(401);
        assertThat(json(forged).get("code").asText()).isEqualTo("unauthenticated");
        assertThat(forged.body()).doesNotContain(running.adminToken);
        assertThat(rowCounts()).isEqualTo(before);
    }

    @Test
    void anUnknownPathAndAWrongMediaTypeGetProblemJson() {
        HttpResponse<String> unknown = api.send("GET", "/api/v1/nothing", null);
        HttpResponse<String> xml = api.send("PUT", policy("greeter-split"), "<route/>", "application/xml", running.adminToken);

        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).contains("problem+json"));
        assertThat(json(unknown).get("code").asText()).isEqualTo("not_found");
        assertThat(xml.statusCode()).isEqualTo(415);
        assertThat(json(xml).get("code").asText()).isEqualTo("unsupported_media_type");
    }

    @Test
    void listingFiltersByKindAndDeletingRemovesThePolicy() {
        api.send("PUT", policy("greeter-split"), ROUTE.formatted(20, 80));

        JsonNode list = json(api.send("GET", "/api/v1/tenants/" + tenant + "/policies?kind=TrafficRoute", null));
        HttpResponse<String> deleted = api.send("DELETE", policy("greeter-split"), null);

        assertThat(list.get("items")).hasSize(1);
        assertThat(deleted.statusCode()).isEqualTo(204);
        assertThat(api.send("GET", policy("greeter-split"), null).statusCode()).isEqualTo(404);
        assertThat(db.fetchCount(POLICIES, POLICIES.TENANT_ID.eq(tenantId()))).isZero();
    }

    private void assertRefused(String method, String path, String body, int status, String code, String field) {
        Map<String, Integer> before = rowCounts();

        HttpResponse<String> answer = api.send(method, path, body);

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(status);
        assertThat(answer.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).contains("problem+json"));
        JsonNode problem = json(answer);
        assertThat(problem.get("code").asText()).isEqualTo(code);
        assertThat(problem.get("status").asInt()).isEqualTo(status);
        assertThat(problem.get("message").asText()).isNotBlank();
        if (field != null) {
            List<String> fields = problem.get("details").findValuesAsText("field");
            assertThat(fields).contains(field);
        }
        assertThat(rowCounts()).as("the database holds exactly what it held before").isEqualTo(before);
    }

    private Map<String, Integer> rowCounts() {
        return running.rowCounts();
    }

    private UUID tenantId() {
        return db.select(TENANTS.ID).from(TENANTS).where(TENANTS.NAME.eq(tenant)).fetchSingle(TENANTS.ID);
    }

    private String clusters() {
        return "/api/v1/tenants/" + tenant + "/clusters";
    }

    private String policy(String name) {
        return "/api/v1/tenants/" + tenant + "/policies/" + name;
    }

    private static JsonNode json(HttpResponse<String> response) {
        return PolicyJson.parse(response.body());
    }
}

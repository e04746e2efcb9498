package dev.fedmesh.controlapi.federation;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fedmesh.controlapi.RestClient;
import dev.fedmesh.controlapi.RunningApi;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.util.Map;

import static dev.fedmesh.db.jooq.Tables.AUDIT_LOG;
import static dev.fedmesh.db.jooq.Tables.CLUSTERS;
import static dev.fedmesh.db.jooq.Tables.TENANTS;
import static org.assertj.core.api.Assertions.assertThat;

/** A cluster's east-west gateway over REST on real PostgreSQL: stored, shown, validated, audited, previewed. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EastWestGatewayApiTest {
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

    @BeforeEach
    void newTenant() {
        tenant = running.newTenant();
    }

    @Test
    void aRegisteredGatewayIsStoredAndShownByCreateGetAndList() {
        HttpResponse<String> created = api.send("POST", clusters(), """
                {"name": "east", "network": "vpc-east", "eastWestGateway": "gw.east.example.com:15443"}""");

        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(RunningApi.json(created).get("eastWestGateway").asText()).isEqualTo("gw.east.example.com:15443");
        assertThat(RunningApi.json(api.send("GET", clusters() + "/east", null)).get("eastWestGateway").asText())
                .isEqualTo("gw.east.example.com:15443");
        assertThat(RunningApi.json(api.send("GET", clusters(), null)).at("/items/0/eastWestGateway").asText())
                .isEqualTo("gw.east.example.com:15443");
        assertThat(db.select(CLUSTERS.EAST_WEST_GATEWAY).from(CLUSTERS).join(TENANTS).on(TENANTS.ID.eq(CLUSTERS.TENANT_ID))
                .where(TENANTS.NAME.eq(tenant)).fetchSingle().value1()).isEqualTo("gw.east.example.com:15443");
    }

    @Test
    void replacingTheGatewayIsAuditedBeforeAndAfterAndLeavingItOutRemovesIt() {
        api.send("POST", clusters(), "{\"name\": \"east\", \"eastWestGateway\": \"10.0.0.7:15443\"}");

        HttpResponse<String> moved = api.send("PUT", clusters() + "/east", "{\"eastWestGateway\": \"[2001:db8::7]:15443\"}");
        HttpResponse<String> removed = api.send("PUT", clusters() + "/east", "{}");

        assertThat(moved.statusCode()).as(moved.body()).isEqualTo(200);
        assertThat(RunningApi.json(moved).get("eastWestGateway").asText()).isEqualTo("[2001:db8::7]:15443");
        assertThat(RunningApi.json(removed).has("eastWestGateway")).isFalse();
        var audit = db.select(AUDIT_LOG.BEFORE, AUDIT_LOG.AFTER).from(AUDIT_LOG).join(TENANTS).on(TENANTS.ID.eq(AUDIT_LOG.TENANT_ID))
                .where(TENANTS.NAME.eq(tenant)).and(AUDIT_LOG.ACTION.eq("update")).and(AUDIT_LOG.RESOURCE_KIND.eq("Cluster"))
                .orderBy(AUDIT_LOG.ID).fetch();
        assertThat(audit).hasSize(2);
        assertThat(audit.get(0).value1().data()).contains("10.0.0.7:15443");
        assertThat(audit.get(0).value2().data()).contains("[2001:db8::7]:15443");
    }

    @Test
    void aBadGatewayIsRefusedNamingTheFieldAndTheFixAndChangesNothing() {
        api.send("POST", clusters(), "{\"name\": \"east\", \"eastWestGateway\": \"gw.east.example.com:15443\"}");
        long revision = revision();

        HttpResponse<String> noPort = api.send("POST", clusters(), "{\"name\": \"west\", \"eastWestGateway\": \"gw.west.example.com\"}");
        HttpResponse<String> badPort = api.send("PUT", clusters() + "/east", "{\"eastWestGateway\": \"gw.east.example.com:70000\"}");
        HttpResponse<String> badHost = api.send("PUT", clusters() + "/east", "{\"eastWestGateway\": \"gw_east:443\"}");

        for (HttpResponse<String> refused : java.util.List.of(noPort, badPort, badHost)) {
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
            JsonNode detail = RunningApi.json(refused).at("/details/0");
            assertThat(detail.get("field").asText()).isEqualTo("eastWestGateway");
            assertThat(detail.toString()).contains("host:port");
        }
        assertThat(RunningApi.json(badPort).at("/details/0").toString()).contains("1 to 65535");
        assertThat(revision()).isEqualTo(revision);
        assertThat(RunningApi.json(api.send("GET", clusters() + "/east", null)).get("eastWestGateway").asText())
                .isEqualTo("gw.east.example.com:15443");
    }

    @Test
    void aDryRunOfOneClustersNewGatewayShowsEveryClustersConfigChanging() {
        api.send("POST", clusters(), "{\"name\": \"east\", \"network\": \"vpc-east\"}");
        api.send("POST", clusters(), "{\"name\": \"west\", \"network\": \"vpc-west\"}");

        HttpResponse<String> preview = api.send("PUT", clusters() + "/east?dryRun=true",
                "{\"network\": \"vpc-east\", \"eastWestGateway\": \"gw.east.example.com:15443\"}");

        assertThat(preview.statusCode()).as(preview.body()).isEqualTo(200);
        JsonNode changes = RunningApi.json(preview).get("clusters");
        assertThat(changes).hasSize(2);
        for (JsonNode change : changes) {
            assertThat(change.get("changed").asBoolean()).as(change.toString()).isTrue();
            assertThat(change.at("/peers/changed/0").asText()).isEqualTo("east");
        }
    }

    private long revision() {
        return db.select(TENANTS.REVISION).from(TENANTS).where(TENANTS.NAME.eq(tenant)).fetchSingle().value1();
    }

    private String clusters() {
        return "/api/v1/tenants/" + tenant + "/clusters";
    }
}

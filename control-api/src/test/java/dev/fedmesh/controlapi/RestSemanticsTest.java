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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.fedmesh.db.jooq.Tables.CLUSTERS;
import static dev.fedmesh.db.jooq.Tables.TENANTS;
import static org.assertj.core.api.Assertions.assertThat;

/** Versions, pages, filters, dry runs, the audit log and services, over plain HTTP on real PostgreSQL. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RestSemanticsTest {
    private static final String ROUTE = """
            {"kind": "TrafficRoute", "labels": {"team": "%s"}, "target": {"service": "%s"},
             "spec": {"split": [{"subset": {"version": "v1"}, "weight": %d},
                                {"subset": {"version": "v2"}, "weight": %d}]}}""";

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
    void newTenantWithTwoClusters() {
        tenant = "t-" + UUID.randomUUID().toString().substring(0, 8);
        assertThat(api.send("POST", "/api/v1/tenants", "{\"name\": \"" + tenant + "\"}").statusCode()).isEqualTo(201);
        for (String cluster : List.of("east", "west")) {
            assertThat(api.send("POST", path("clusters"), "{\"name\": \"" + cluster + "\"}").statusCode()).isEqualTo(201);
        }
    }

    @Test
    void aWriteWithTheETagOfTheLastReadSucceeds() {
        api.send("PUT", path("policies/split"), route("a", "greeter", 100));
        String etag = api.send("GET", path("policies/split"), null).headers().firstValue("ETag").orElseThrow();

        HttpResponse<String> update = api.send("PUT", path("policies/split"), route("a", "greeter", 20), Map.of("If-Match", etag));

        assertThat(update.statusCode()).isEqualTo(200);
        assertThat(update.headers().firstValue("ETag")).isNotEqualTo(java.util.Optional.of(etag));
    }

    @Test
    void aWriteBasedOnAStaleReadIsRefusedAndChangesNothing() {
        api.send("PUT", path("policies/split"), route("a", "greeter", 100));
        String etag = api.send("GET", path("policies/split"), null).headers().firstValue("ETag").orElseThrow();
        api.send("PUT", path("policies/split"), route("a", "greeter", 50));
        Map<String, Integer> before = rowCounts();

        HttpResponse<String> stale = api.send("PUT", path("policies/split"), route("a", "greeter", 20), Map.of("If-Match", etag));

        assertThat(stale.statusCode()).isEqualTo(409);
        assertThat(json(stale).get("code").asText()).isEqualTo("version_conflict");
        assertThat(rowCounts()).isEqualTo(before);
        assertThat(json(api.send("GET", path("policies/split"), null)).at("/spec/split/0/weight").asInt()).isEqualTo(50);
    }

    @Test
    void deletingWithAStaleVersionIsRefused() {
        api.send("PUT", path("policies/split"), route("a", "greeter", 100));

        HttpResponse<String> stale = api.send("DELETE", path("policies/split"), null, Map.of("If-Match", "\"1\""));

        assertThat(stale.statusCode()).isEqualTo(409);
        assertThat(api.send("GET", path("policies/split"), null).statusCode()).isEqualTo(200);
    }

    @Test
    void pagesVisitEveryPolicyOnceInNameOrder() {
        for (int i = 0; i < 7; i++) {
            api.send("PUT", path("policies/route-" + i), route("a", "svc-" + i, 100));
        }
        List<String> seen = new ArrayList<>();
        String token = null;
        int pages = 0;
        do {
            JsonNode page = json(api.send("GET", path("policies?limit=3" + (token == null ? "" : "&pageToken=" + token)), null));
            page.get("items").forEach(item -> seen.add(item.get("name").asText()));
            token = page.hasNonNull("nextPageToken") ? page.get("nextPageToken").asText() : null;
            pages++;
        } while (token != null);

        assertThat(pages).isEqualTo(3);
        assertThat(seen).containsExactly("route-0", "route-1", "route-2", "route-3", "route-4", "route-5", "route-6");
    }

    @Test
    void tokensArePagedLikeEveryList() {
        for (int i = 0; i < 3; i++) {
            api.send("POST", path("tokens"), "{\"name\": \"t" + i + "\", \"role\": \"viewer\"}");
        }
        JsonNode first = json(api.send("GET", path("tokens?limit=2"), null));
        JsonNode second = json(api.send("GET", path("tokens?limit=2&pageToken=" + first.get("nextPageToken").asText()), null));

        assertThat(first.get("items")).hasSize(2);
        assertThat(second.get("items")).hasSize(1);
        assertThat(second.has("nextPageToken")).isFalse();
        assertThat(field(api.send("GET", path("tokens?pageToken=bogus"), null))).isEqualTo("pageToken");
    }

    @Test
    void listsFilterByKindTargetAndLabel() {
        api.send("PUT", path("policies/one"), route("payments", "greeter", 100));
        api.send("PUT", path("policies/two"), route("search", "greeter-admin", 100));
        api.send("PUT", path("policies/three"), route("payments", "checkout", 100));

        assertThat(names(path("policies?kind=TrafficRoute"))).containsExactly("one", "three", "two");
        assertThat(names(path("policies?target=greeter"))).containsExactly("one");
        assertThat(names(path("policies?label=team=payments"))).containsExactly("one", "three");
        assertThat(names(path("policies?label=team=payments&target=checkout"))).containsExactly("three");
    }

    @Test
    void badListParametersAreRefusedByName() {
        assertThat(field(api.send("GET", path("policies?limit=0"), null))).isEqualTo("limit");
        assertThat(field(api.send("GET", path("policies?limit=501"), null))).isEqualTo("limit");
        assertThat(field(api.send("GET", path("policies?pageToken=not-a-token"), null))).isEqualTo("pageToken");
        assertThat(field(api.send("GET", path("policies?label=team"), null))).isEqualTo("label");
        assertThat(field(api.send("GET", path("policies?kind=Teleport"), null))).isEqualTo("kind");
    }

    @Test
    void aDryRunShowsWhatEachClusterWouldGetAndWritesNothing() {
        api.send("PUT", path("policies/split"), route("a", "greeter", 100));
        Map<String, Integer> before = rowCounts();

        HttpResponse<String> dryRun = api.send("PUT", path("policies/split?dryRun=true"), route("a", "greeter", 20));
        HttpResponse<String> newRoute = api.send("PUT", path("policies/other?dryRun=true"), route("a", "checkout", 20));

        assertThat(dryRun.statusCode()).isEqualTo(200);
        JsonNode preview = json(dryRun);
        assertThat(preview.get("dryRun").asBoolean()).isTrue();
        assertThat(preview.at("/result/spec/split/0/weight").asInt()).isEqualTo(20);
        assertThat(preview.get("clusters")).hasSize(2);
        preview.get("clusters").forEach(cluster -> {
            assertThat(cluster.get("changed").asBoolean()).isTrue();
            assertThat(cluster.at("/policies/changed/0").asText()).isEqualTo("TrafficRoute/split");
        });
        assertThat(json(newRoute).at("/clusters/0/policies/added/0").asText()).isEqualTo("TrafficRoute/other");
        assertThat(json(newRoute).at("/clusters/0/services/added/0").asText()).isEqualTo("checkout");
        assertThat(rowCounts()).isEqualTo(before);
        assertThat(json(api.send("GET", path("policies/split"), null)).at("/spec/split/0/weight").asInt()).isEqualTo(100);
    }

    @Test
    void everyKindOfWriteHasADryRunThatWritesNothing() {
        api.send("PUT", path("services/greeter"), "{}");
        api.send("PUT", path("policies/split"), route("a", "greeter", 100));
        String tokenId = json(api.send("POST", path("tokens"), "{\"name\": \"ci\", \"role\": \"viewer\"}")).get("id").asText();
        Map<String, Integer> before = rowCounts();

        List<HttpResponse<String>> dryRuns = List.of(
                api.send("POST", path("clusters?dryRun=true"), "{\"name\": \"north\"}"),
                api.send("PUT", path("clusters/east?dryRun=true"), "{\"region\": \"us-east4\"}"),
                api.send("DELETE", path("clusters/west?dryRun=true"), null),
                api.send("PUT", path("services/checkout?dryRun=true"), "{}"),
                api.send("DELETE", path("services/greeter?dryRun=true"), null),
                api.send("PUT", path("policies/split?dryRun=true"), route("a", "greeter", 10)),
                api.send("DELETE", path("policies/split?dryRun=true"), null),
                api.send("POST", path("tokens?dryRun=true"), "{\"name\": \"deploy\", \"role\": \"editor\"}"),
                api.send("DELETE", path("tokens/" + tokenId + "?dryRun=true"), null));

        for (HttpResponse<String> dryRun : dryRuns) {
            assertThat(dryRun.statusCode()).as(dryRun.body()).isEqualTo(200);
            assertThat(json(dryRun).get("dryRun").asBoolean()).isTrue();
            assertThat(dryRun.body()).doesNotContain("fm_").doesNotContain("fmb_");
        }
        assertThat(json(dryRuns.get(2)).at("/clusters/1/clusterRemoved").asBoolean()).isTrue();
        assertThat(json(dryRuns.get(6)).at("/clusters/0/policies/removed/0").asText()).isEqualTo("TrafficRoute/split");
        assertThat(rowCounts()).isEqualTo(before);
    }

    @Test
    void anInvalidDryRunIsRefusedLikeTheRealWrite() {
        HttpResponse<String> refused = api.send("PUT", path("policies/split?dryRun=true"), route("a", "greeter", 120));

        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(field(refused)).isEqualTo("spec.split[0].weight");
    }

    @Test
    void theAuditLogShowsWhoChangedWhatWithBeforeAndAfter() {
        api.send("PUT", path("policies/split"), route("a", "greeter", 100));
        api.send("PUT", path("policies/split"), route("a", "greeter", 20));
        api.send("DELETE", path("policies/split"), null);

        JsonNode entries = json(api.send("GET", path("audit?kind=TrafficRoute&name=split"), null)).get("items");

        assertThat(entries).hasSize(3);
        assertThat(entries.findValuesAsText("action")).containsExactly("create", "update", "delete");
        assertThat(entries.findValuesAsText("actor")).containsOnly("admin");
        assertThat(entries.get(1).at("/before/spec/split/0/weight").asInt()).isEqualTo(100);
        assertThat(entries.get(1).at("/after/spec/split/0/weight").asInt()).isEqualTo(20);
        assertThat(entries.get(2).has("after")).isFalse();
    }

    @Test
    void servicesAreDeclaredRelabelledListedAndDeleted() {
        HttpResponse<String> created = api.send("PUT", path("services/greeter"), "{\"labels\": {\"tier\": \"web\"}}");
        HttpResponse<String> relabelled = api.send("PUT", path("services/greeter"), "{\"labels\": {\"tier\": \"api\"}}");
        HttpResponse<String> again = api.send("PUT", path("services/greeter"), "{\"labels\": {\"tier\": \"api\"}}");
        JsonNode list = json(api.send("GET", path("services"), null));
        HttpResponse<String> deleted = api.send("DELETE", path("services/greeter"), null);

        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(relabelled.statusCode()).isEqualTo(200);
        assertThat(json(again).get("resourceVersion")).isEqualTo(json(relabelled).get("resourceVersion"));
        assertThat(list.at("/items/0/labels/tier").asText()).isEqualTo("api");
        assertThat(deleted.statusCode()).isEqualTo(204);
        assertThat(api.send("GET", path("services/greeter"), null).statusCode()).isEqualTo(404);
    }

    @Test
    void aClusterIsRelabelledAndDeregistered() {
        HttpResponse<String> replaced = api.send("PUT", path("clusters/east"),
                "{\"region\": \"us-east4\", \"labels\": {\"tier\": \"gold\"}}");
        HttpResponse<String> again = api.send("PUT", path("clusters/east"),
                "{\"region\": \"us-east4\", \"labels\": {\"tier\": \"gold\"}}");
        HttpResponse<String> renamed = api.send("PUT", path("clusters/east"), "{\"name\": \"north\"}");

        assertThat(replaced.statusCode()).isEqualTo(200);
        assertThat(json(replaced).get("region").asText()).isEqualTo("us-east4");
        assertThat(json(again).get("resourceVersion")).isEqualTo(json(replaced).get("resourceVersion"));
        assertThat(field(renamed)).isEqualTo("name");
        assertThat(names(path("clusters?label=tier=gold"))).containsExactly("east");

        assertThat(api.send("DELETE", path("clusters/west"), null).statusCode()).isEqualTo(204);
        assertThat(api.send("GET", path("clusters/west"), null).statusCode()).isEqualTo(404);
        assertThat(api.send("PUT", path("clusters/west"), "{}").statusCode()).isEqualTo(404);
    }

    @Test
    void aClustersBootstrapCredentialIsShownOnceAndOnlyItsHashIsKept() {
        HttpResponse<String> registered = api.send("POST", path("clusters"), "{\"name\": \"north\"}");
        String credential = json(registered).get("bootstrapCredential").asText();

        assertThat(credential).startsWith("fmb_").hasSizeGreaterThan(40);
        assertThat(api.send("GET", path("clusters/north"), null).body()).doesNotContain(credential);
        assertThat(api.send("GET", path("clusters"), null).body()).doesNotContain(credential);
        byte[] stored = db.select(CLUSTERS.BOOTSTRAP_SECRET_SHA256).from(CLUSTERS).where(CLUSTERS.NAME.eq("north"))
                .and(CLUSTERS.TENANT_ID.eq(tenantId())).fetchSingle(CLUSTERS.BOOTSTRAP_SECRET_SHA256);
        assertThat(new String(stored, java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain(credential);

        String reissued = json(api.send("POST", path("clusters/north/bootstrap-credential"), null)).get("bootstrapCredential").asText();
        assertThat(reissued).isNotEqualTo(credential).startsWith("fmb_");
    }

    @Test
    void injectionAttemptsInEveryStringFieldAreRefusedAndChangeNothing() {
        List<String> attacks = List.of("x'; DROP TABLE policies; --", "<script>alert(1)</script>", "../../etc/passwd",
                "a\u0000b", "{{7*7}}", "east\nwest");
        Map<String, Integer> before = rowCounts();
        for (String attack : attacks) {
            String quoted = PolicyJson.toText(com.fasterxml.jackson.databind.node.TextNode.valueOf(attack));
            List<HttpResponse<String>> answers = List.of(
                    api.send("POST", "/api/v1/tenants", "{\"name\": " + quoted + "}"),
                    api.send("POST", path("clusters"), "{\"name\": " + quoted + "}"),
                    api.send("POST", path("clusters"), "{\"name\": \"ok\", \"region\": " + quoted + "}"),
                    api.send("POST", path("clusters"), "{\"name\": \"ok\", \"labels\": {\"k\": " + quoted + "}}"),
                    api.send("PUT", path("services/greeter"), "{\"labels\": {" + quoted + ": \"v\"}}"),
                    api.send("PUT", path("policies/p"), route("a", "greeter", 100).replace("\"TrafficRoute\"", quoted)),
                    api.send("PUT", path("policies/p"), route("a", "greeter", 100).replace("\"greeter\"", quoted)),
                    api.send("PUT", path("policies/p"), route("a", "greeter", 100).replace("\"v1\"", quoted)),
                    api.send("PUT", path("policies/p"), route("a", "greeter", 100).replace("\"team\"", quoted)),
                    api.send("PUT", path("policies/p"), route(attack.replace("\"", ""), "greeter", 100)));
            for (HttpResponse<String> answer : answers) {
                assertThat(answer.statusCode()).as("%s → %s", attack, answer.body()).isEqualTo(400);
                assertThat(answer.body()).doesNotContain("<script>");
            }
        }
        assertThat(rowCounts()).isEqualTo(before);
    }

    @Test
    void anOversizedBodyIsRefusedWith413() {
        String huge = route("a", "greeter", 100).replace("\"labels\": {", "\"labels\": {\"pad\": \"" + "x".repeat(2_000_000) + "\", ");
        Map<String, Integer> before = rowCounts();

        HttpResponse<String> answer = api.send("PUT", path("policies/split"), huge);

        assertThat(answer.statusCode()).isEqualTo(413);
        assertThat(rowCounts()).isEqualTo(before);
    }

    @Test
    void aPolicyNamingAClusterOrServiceTheTenantLacksIsRefusedByField() {
        Map<String, Integer> before = rowCounts();

        HttpResponse<String> failover = api.send("PUT", path("policies/fo"), """
                {"kind": "Failover", "target": {"service": "greeter"},
                 "spec": {"order": [{"cluster": "west"}, {"cluster": "mars"}]}}""");
        HttpResponse<String> permission = api.send("PUT", path("policies/perm"), """
                {"kind": "TrafficPermission", "target": {"service": "greeter"},
                 "spec": {"rules": [{"action": "ALLOW", "sources": [{"service": "nobody"}]}]}}""");

        assertThat(field(failover)).isEqualTo("spec.order[1].cluster");
        assertThat(json(failover).at("/details/0/problem").asText()).contains("'mars'").contains("register it first");
        assertThat(field(permission)).isEqualTo("spec.rules[0].sources[0].service");
        assertThat(rowCounts()).isEqualTo(before);
    }

    @Test
    void twoRoutesClaimingTheSameMatchContradictEachOther() {
        api.send("PUT", path("policies/first"), route("a", "greeter", 100));
        Map<String, Integer> before = rowCounts();

        HttpResponse<String> second = api.send("PUT", path("policies/second"), route("a", "greeter", 50));
        HttpResponse<String> otherMode = api.send("PUT", path("policies/strict"), "{\"kind\": \"MtlsMode\", "
                + "\"target\": {\"mesh\": true}, \"spec\": {\"mode\": \"STRICT\"}}");
        HttpResponse<String> contradictingMode = api.send("PUT", path("policies/permissive"), "{\"kind\": \"MtlsMode\", "
                + "\"target\": {\"mesh\": true}, \"spec\": {\"mode\": \"PERMISSIVE\"}}");

        assertThat(second.statusCode()).isEqualTo(409);
        assertThat(json(second).get("code").asText()).isEqualTo("contradicts_policy");
        assertThat(json(second).get("message").asText()).contains("'first'");
        assertThat(otherMode.statusCode()).isEqualTo(201);
        assertThat(contradictingMode.statusCode()).isEqualTo(409);
        assertThat(rowCounts().get("policies")).isEqualTo(before.get("policies") + 1);
    }

    @Test
    void theOpenApiDocumentAndItsBrowsableUiAreServedWithoutAToken() {
        HttpResponse<String> document = api.send("GET", "/openapi/fedmesh-control-api.yml", null, "application/json", null);
        HttpResponse<String> ui = api.send("GET", "/openapi/ui/index.html", null, "application/json", null);

        assertThat(document.statusCode()).isEqualTo(200);
        assertThat(document.body()).contains("/api/v1/tenants/{tenant}/policies/{name}", "applyPolicy", "Problem");
        assertThat(ui.statusCode()).isEqualTo(200);
        assertThat(ui.body()).contains("swagger-ui").contains("fedmesh-control-api.yml");
    }

    private List<String> names(String listPath) {
        return json(api.send("GET", listPath, null)).get("items").findValuesAsText("name");
    }

    private static String field(HttpResponse<String> answer) {
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(400);
        return json(answer).at("/details/0/field").asText();
    }

    private static String route(String team, String service, int v1) {
        return ROUTE.formatted(team, service, v1, 100 - v1);
    }

    private String path(String rest) {
        return "/api/v1/tenants/" + tenant + "/" + rest;
    }

    private java.util.UUID tenantId() {
        return db.select(TENANTS.ID).from(TENANTS).where(TENANTS.NAME.eq(tenant)).fetchSingle(TENANTS.ID);
    }

    private Map<String, Integer> rowCounts() {
        return running.rowCounts();
    }

    private static JsonNode json(HttpResponse<String> response) {
        return PolicyJson.parse(response.body());
    }
}

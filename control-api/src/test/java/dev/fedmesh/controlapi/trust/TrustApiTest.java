package dev.fedmesh.controlapi.trust;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fedmesh.controlapi.RunningApi;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.fedmesh.db.jooq.Tables.INTERMEDIATES;
import static dev.fedmesh.db.jooq.Tables.TENANTS;
import static dev.fedmesh.db.jooq.Tables.TRUST_ROOTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The expiry watch on real PostgreSQL, over HTTP, with the rows the distributor writes when it
 * issues an intermediate and when it loads a trust domain's roots. The warning window is 10 days.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrustApiTest {
    private static final long DAY = Duration.ofDays(1).toSeconds();
    /** Slack for the time between writing a row and reading it back; generous, since nothing is timed. */
    private static final long SLACK = Duration.ofMinutes(10).toSeconds();

    private final Random random = new Random(5);
    private RunningApi running;

    @BeforeAll
    void start() {
        running = RunningApi.start(getClass(), Map.of("fedmesh.api.trust.expiry-warning", "10d"));
    }

    @AfterAll
    void stop() {
        running.close();
    }

    @Test
    void aClusterExpiringInsideTheWindowIsFlaggedOneOutsideIsNotAndOneWithoutAnIntermediateIsMissing() {
        String tenant = tenantWithClusters(running, "east", "north", "south", "west");
        byte[] root = issueRoot(running.db, tenant, 3650);
        issue(running.db, tenant, "east", 3);
        issue(running.db, tenant, "west", 20);
        issue(running.db, tenant, "west", 40);
        issue(running.db, tenant, "south", -1);
        String viewer = running.mint(running.adminToken, tenant, "watcher", "viewer");

        JsonNode trust = RunningApi.json(get(viewer, "/api/v1/tenants/" + tenant + "/trust", 200));

        assertThat(trust.get("trustDomain").asText()).isEqualTo(tenant + ".fedmesh.local");
        assertThat(trust.get("expiryWarningSeconds").asLong()).isEqualTo(10 * DAY);
        assertThat(trust.get("roots")).singleElement().satisfies(r -> {
            assertThat(r.get("sha256").asText()).isEqualTo(HexFormat.of().formatHex(root));
            assertThat(r.get("secondsLeft").asLong()).isBetween(3650 * DAY - SLACK, 3650 * DAY);
        });
        JsonNode east = cluster(trust, "east");
        assertThat(east.get("expiring").asBoolean()).isTrue();
        assertThat(east.get("missing").asBoolean()).isFalse();
        assertThat(east.get("intermediates")).singleElement()
                .satisfies(i -> assertThat(i.get("secondsLeft").asLong()).isBetween(3 * DAY - SLACK, 3 * DAY));
        JsonNode west = cluster(trust, "west");
        assertThat(west.get("expiring").asBoolean()).as("newest expires in 40 days").isFalse();
        assertThat(west.get("intermediates")).as("both, while the agent rotates").extracting(i -> i.get("secondsLeft").asLong() / DAY)
                .containsExactly(19L, 39L);
        JsonNode north = cluster(trust, "north");
        assertThat(north.get("missing").asBoolean()).isTrue();
        assertThat(north.get("expiring").asBoolean()).isFalse();
        assertThat(north.get("intermediates")).isEmpty();
        JsonNode south = cluster(trust, "south");
        assertThat(south.get("expiring").asBoolean()).as("expired a day ago").isTrue();
        assertThat(south.get("missing").asBoolean()).isFalse();
        assertThat(south.get("intermediates")).singleElement()
                .satisfies(i -> assertThat(i.get("secondsLeft").asLong()).isNegative());
        JsonNode summary = trust.get("summary");
        assertThat(summary.get("clusters").asInt()).isEqualTo(4);
        assertThat(summary.get("expiring")).extracting(JsonNode::asText).containsExactly("east", "south");
        assertThat(summary.get("missing")).extracting(JsonNode::asText).containsExactly("north");
        assertThat(summary.get("earliestIntermediateSecondsLeft").asLong()).isNegative();
    }

    @Test
    void theWarningWindowDecidesWhichClustersAreFlagged() {
        try (RunningApi wide = RunningApi.start(getClass(), Map.of("fedmesh.api.trust.expiry-warning", "P30D"))) {
            String tenant = tenantWithClusters(wide, "east", "west");
            issue(wide.db, tenant, "east", 3);
            issue(wide.db, tenant, "west", 20);

            JsonNode trust = RunningApi.json(wide.send(wide.adminToken, "GET", "/api/v1/tenants/" + tenant + "/trust", null));

            assertThat(trust.get("expiryWarningSeconds").asLong()).isEqualTo(30 * DAY);
            assertThat(trust.get("summary").get("expiring")).extracting(JsonNode::asText).containsExactly("east", "west");
        }
        String tenant = tenantWithClusters(running, "east", "west");
        issue(running.db, tenant, "east", 3);
        issue(running.db, tenant, "west", 20);

        JsonNode trust = RunningApi.json(get(running.adminToken, "/api/v1/tenants/" + tenant + "/trust", 200));

        assertThat(trust.get("summary").get("expiring")).as("with 10 days").extracting(JsonNode::asText).containsExactly("east");
    }

    @Test
    void prometheusServesSecondsUntilEachExpiryAndTheCountOfExpiringClusters() {
        String tenant = tenantWithClusters(running, "east", "north", "west");
        byte[] root = issueRoot(running.db, tenant, 3650);
        issue(running.db, tenant, "east", 3);
        issue(running.db, tenant, "west", 20);

        String metrics = get(running.adminToken, "/prometheus", 200).body();

        assertThat(gauge(metrics, "fedmesh_trust_intermediate_expiry_seconds", "cluster=\"east\",tenant=\"" + tenant + "\""))
                .isBetween((double) 3 * DAY - SLACK, (double) 3 * DAY);
        assertThat(gauge(metrics, "fedmesh_trust_intermediate_expiry_seconds", "cluster=\"west\",tenant=\"" + tenant + "\""))
                .isBetween((double) 20 * DAY - SLACK, (double) 20 * DAY);
        assertThat(metrics).doesNotContain("cluster=\"north\",tenant=\"" + tenant + "\"");
        assertThat(gauge(metrics, "fedmesh_trust_root_expiry_seconds",
                "sha256=\"" + HexFormat.of().formatHex(root) + "\",tenant=\"" + tenant + "\""))
                .isBetween((double) 3650 * DAY - SLACK, (double) 3650 * DAY);
        assertThat(gauge(metrics, "fedmesh_trust_clusters_expiring", "tenant=\"" + tenant + "\"")).isEqualTo(1.0);
        assertThat(gauge(metrics, "fedmesh_trust_clusters_missing", "tenant=\"" + tenant + "\"")).isEqualTo(1.0);

        issue(running.db, tenant, "north", 1);
        String next = get(running.adminToken, "/prometheus", 200).body();

        assertThat(gauge(next, "fedmesh_trust_clusters_expiring", "tenant=\"" + tenant + "\"")).isEqualTo(2.0);
        assertThat(gauge(next, "fedmesh_trust_clusters_missing", "tenant=\"" + tenant + "\"")).isEqualTo(0.0);
    }

    @Test
    void onlyTheOperatorReadsTheMetrics() {
        String tenant = tenantWithClusters(running, "east");
        String owner = running.mint(running.adminToken, tenant, "owner-one", "owner");

        assertThat(running.send(null, "GET", "/prometheus", null).statusCode()).isEqualTo(401);
        assertThat(running.send("not-a-token", "GET", "/prometheus", null).statusCode()).isEqualTo(401);
        HttpResponse<String> refused = running.send(owner, "GET", "/prometheus", null);
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.body()).doesNotContain("fedmesh_trust");
    }

    @Test
    void withItsOwnPortTheMetricsAreServedThereAndNotOnTheApiPort() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        try (RunningApi separate = RunningApi.start(getClass(), Map.of("endpoints.all.port", port))) {
            String tenant = tenantWithClusters(separate, "east");
            issue(separate.db, tenant, "east", 3);
            HttpClient http = HttpClient.newHttpClient();
            URI metrics = URI.create("http://127.0.0.1:" + port + "/prometheus");

            HttpResponse<String> scraped = http.send(HttpRequest.newBuilder(metrics)
                    .header("Authorization", "Bearer " + separate.adminToken).build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString());

            assertThat(scraped.statusCode()).isEqualTo(200);
            assertThat(gauge(scraped.body(), "fedmesh_trust_clusters_expiring", "tenant=\"" + tenant + "\"")).isEqualTo(1.0);
            assertThat(anonymous.statusCode()).isEqualTo(401);
            assertThat(separate.send(separate.adminToken, "GET", "/prometheus", null).statusCode()).isEqualTo(404);
        }
    }

    @Test
    void anotherTenantsTrustIsNotFound() {
        String mine = tenantWithClusters(running, "east");
        String theirs = tenantWithClusters(running, "east");
        issue(running.db, theirs, "east", 3);
        String myViewer = running.mint(running.adminToken, mine, "viewer-one", "viewer");

        HttpResponse<String> answer = get(myViewer, "/api/v1/tenants/" + theirs + "/trust", 404);
        HttpResponse<String> unknown = get(running.adminToken, "/api/v1/tenants/no-such-tenant/trust", 404);

        assertThat(RunningApi.json(answer).get("code").asText()).isEqualTo("not_found");
        assertThat(answer.body()).isEqualTo(unknown.body().replace("no-such-tenant", theirs));
    }

    @Test
    void aBadExpiryWarningStopsTheStartNamingTheProperty() {
        assertThatThrownBy(() -> RunningApi.start(getClass(), Map.of("fedmesh.api.trust.expiry-warning", "a week")).close())
                .satisfies(failure -> assertThat(messages(failure))
                        .contains("fedmesh.api.trust.expiry-warning is 'a week'", "7d"));
        assertThatThrownBy(() -> RunningApi.start(getClass(), Map.of("fedmesh.api.trust.expiry-warning", "-1d")).close())
                .satisfies(failure -> assertThat(messages(failure)).contains("fedmesh.api.trust.expiry-warning is '-1d'"));
    }

    @Test
    void aBadMetricsRefreshWaitStopsTheStartNamingTheProperty() {
        assertThatThrownBy(() -> RunningApi.start(getClass(), Map.of("fedmesh.api.metrics.refresh-wait", "soon")).close())
                .satisfies(failure -> assertThat(messages(failure))
                        .contains("fedmesh.api.metrics.refresh-wait is 'soon'", "2s", "FEDMESH_API_METRICS_REFRESH_WAIT"));
        assertThatThrownBy(() -> RunningApi.start(getClass(), Map.of("fedmesh.api.metrics.refresh-wait", "0s")).close())
                .satisfies(failure -> assertThat(messages(failure)).contains("fedmesh.api.metrics.refresh-wait is '0s'"));
    }

    private HttpResponse<String> get(String bearer, String path, int status) {
        HttpResponse<String> answer = running.send(bearer, "GET", path, null);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(status);
        return answer;
    }

    private static String tenantWithClusters(RunningApi api, String... clusters) {
        String tenant = api.newTenant();
        for (String cluster : clusters) {
            HttpResponse<String> created = api.send(api.adminToken, "POST", "/api/v1/tenants/" + tenant + "/clusters",
                    "{\"name\": \"" + cluster + "\"}");
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        }
        return tenant;
    }

    /** What the distributor writes when it issues {@code cluster} an intermediate living {@code days} more days. */
    private void issue(DSLContext db, String tenant, String cluster, int days) {
        byte[] key = new byte[32];
        random.nextBytes(key);
        db.insertInto(INTERMEDIATES)
                .set(INTERMEDIATES.PUBLIC_KEY_SHA256, key)
                .set(INTERMEDIATES.TENANT_ID, tenantId(db, tenant))
                .set(INTERMEDIATES.CLUSTER, cluster)
                .set(INTERMEDIATES.TRUST_DOMAIN, tenant + ".fedmesh.local")
                .set(INTERMEDIATES.CHAIN_PEM, "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n")
                .set(INTERMEDIATES.NOT_AFTER, OffsetDateTime.now().plusDays(days))
                .execute();
    }

    /** What the distributor writes when it loads the tenant's trust domain's root; returns its fingerprint. */
    private byte[] issueRoot(DSLContext db, String tenant, int days) {
        byte[] sha256 = new byte[32];
        random.nextBytes(sha256);
        db.insertInto(TRUST_ROOTS)
                .set(TRUST_ROOTS.TRUST_DOMAIN, tenant + ".fedmesh.local")
                .set(TRUST_ROOTS.SHA256, sha256)
                .set(TRUST_ROOTS.PEM, "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n")
                .set(TRUST_ROOTS.NOT_BEFORE, OffsetDateTime.now().minusDays(1))
                .set(TRUST_ROOTS.NOT_AFTER, OffsetDateTime.now().plusDays(days))
                .execute();
        return sha256;
    }

    private static UUID tenantId(DSLContext db, String tenant) {
        return db.select(TENANTS.ID).from(TENANTS).where(TENANTS.NAME.eq(tenant)).fetchSingle().value1();
    }

    private static JsonNode cluster(JsonNode trust, String name) {
        for (JsonNode cluster : trust.get("clusters")) {
            if (cluster.get("cluster").asText().equals(name)) {
                return cluster;
            }
        }
        throw new AssertionError("no cluster " + name + " in " + trust);
    }

    /** The value of the series {@code name{labels}} in a Prometheus text exposition. */
    private static double gauge(String metrics, String name, String labels) {
        Matcher line = Pattern.compile("(?m)^" + Pattern.quote(name + "{" + labels + "}") + " (\\S+)$").matcher(metrics);
        assertThat(line.find()).as(name + "{" + labels + "} in%n" + metrics.lines()
                .filter(l -> l.startsWith("fedmesh_")).reduce("", (a, b) -> a + b + "\n")).isTrue();
        return Double.parseDouble(line.group(1));
    }

    private static String messages(Throwable failure) {
        StringBuilder all = new StringBuilder();
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            all.append(cause.getMessage()).append('\n');
        }
        return all.toString();
    }
}

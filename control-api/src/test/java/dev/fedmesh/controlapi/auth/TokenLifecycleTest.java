package dev.fedmesh.controlapi.auth;

import dev.fedmesh.controlapi.RunningApi;
import com.fasterxml.jackson.databind.JsonNode;
import dev.fedmesh.db.jooq.tables.records.ApiTokensRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.UUID;

import static dev.fedmesh.controlapi.RunningApi.json;
import static dev.fedmesh.db.jooq.Tables.API_TOKENS;
import static dev.fedmesh.db.jooq.Tables.AUDIT_LOG;
import static dev.fedmesh.db.jooq.Tables.OUTBOX;
import static dev.fedmesh.db.jooq.Tables.TENANTS;
import static org.assertj.core.api.Assertions.assertThat;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TokenLifecycleTest {
    private RunningApi api;
    private String tenant;
    private String owner;

    @BeforeAll
    void startService() {
        api = RunningApi.start(getClass(), Map.of("fedmesh.api.tokens.max-ttl", "90d"));
    }

    @AfterAll
    void stopService() {
        api.close();
    }

    @BeforeEach
    void newTenantWithAnOwner() {
        tenant = api.newTenant();
        owner = api.mint(api.adminToken, tenant, "first-owner", "owner");
    }

    @Test
    void theSecretIsShownOnceAndTheDatabaseHoldsOnlyItsHash() throws Exception {
        HttpResponse<String> minted = api.send(owner, "POST", tokens(), "{\"name\": \"ci\", \"role\": \"editor\", \"expiresIn\": \"30d\"}");

        assertThat(minted.statusCode()).as(minted.body()).isEqualTo(201);
        JsonNode token = json(minted);
        String secret = token.get("token").asText();
        String id = token.get("id").asText();
        assertThat(secret).startsWith("fm_").hasSizeGreaterThanOrEqualTo(3 + 43);
        assertThat(token.get("role").asText()).isEqualTo("editor");
        assertThat(minted.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(minted.headers().firstValue("Location")).hasValue(tokens() + "/" + id);
        ApiTokensRecord row = api.db.selectFrom(API_TOKENS).where(API_TOKENS.ID.eq(UUID.fromString(id))).fetchSingle();
        assertThat(row.getSecretSha256())
                .isEqualTo(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        assertThat(api.db.fetch("select * from api_tokens").formatCSV()).doesNotContain(secret);
        assertThat(api.db.fetch("select * from audit_log").formatCSV()).doesNotContain(secret);
        HttpResponse<String> one = api.send(owner, "GET", tokens() + "/" + id, null);
        HttpResponse<String> list = api.send(owner, "GET", tokens(), null);
        assertThat(one.statusCode()).isEqualTo(200);
        assertThat(json(one).has("token")).isFalse();
        assertThat(json(one).get("name").asText()).isEqualTo("ci");
        assertThat(one.body()).doesNotContain(secret);
        assertThat(list.body()).doesNotContain(secret).contains(id);
        assertThat(api.send(secret, "GET", "/api/v1/tenants/" + tenant, null).statusCode()).isEqualTo(200);
    }

    @Test
    void aNewTokenExpiresWithinTheTimeAskedForAndNeverLaterThanTheMaximum() {
        OffsetDateTime before = OffsetDateTime.now();

        JsonNode unspecified = json(api.send(owner, "POST", tokens(), "{\"name\": \"a\", \"role\": \"viewer\"}"));
        JsonNode inTwoHours = json(api.send(owner, "POST", tokens(), "{\"name\": \"b\", \"role\": \"viewer\", \"expiresIn\": \"2h\"}"));
        HttpResponse<String> tooLong = api.send(owner, "POST", tokens(), "{\"name\": \"c\", \"role\": \"viewer\", \"expiresIn\": \"91d\"}");
        HttpResponse<String> tooLate = api.send(owner, "POST", tokens(), "{\"name\": \"d\", \"role\": \"viewer\", \"expiresAt\": \""
                + before.plusDays(120) + "\"}");

        assertThat(OffsetDateTime.parse(unspecified.get("expiresAt").asText()))
                .isBetween(before.plus(Duration.ofDays(90)).minusMinutes(1), before.plus(Duration.ofDays(90)).plusMinutes(1));
        assertThat(OffsetDateTime.parse(inTwoHours.get("expiresAt").asText()))
                .isBetween(before.plusHours(2).minusMinutes(1), before.plusHours(2).plusMinutes(1));
        assertRefused(tooLong, 400, "invalid_request");
        assertThat(json(tooLong).get("details").findValuesAsText("field")).containsExactly("expiresIn");
        assertThat(json(tooLong).get("message").asText()).contains("90d");
        assertRefused(tooLate, 400, "invalid_request");
        assertThat(json(tooLate).get("details").findValuesAsText("field")).containsExactly("expiresAt");
    }

    @Test
    void aBadMintRequestNamesEveryFieldAndWritesNothing() {
        Map<String, Integer> before = api.rowCounts();

        HttpResponse<String> bad = api.send(owner, "POST", tokens(),
                "{\"name\": \"CI_token\", \"role\": \"root\", \"expiresIn\": \"30d\", \"expiresAt\": \"2030-01-01T00:00:00Z\", \"scope\": 1}");

        assertRefused(bad, 400, "invalid_request");
        assertThat(json(bad).get("details").findValuesAsText("field"))
                .containsExactlyInAnyOrder("name", "role", "expiresAt", "scope");
        assertThat(api.rowCounts()).isEqualTo(before);
    }

    @Test
    void aRevokedTokenIsRefusedAtOnce() {
        String editor = api.mint(owner, tenant, "ci", "editor");
        String id = idOf("ci");
        assertThat(api.send(editor, "GET", clusters(), null).statusCode()).isEqualTo(200);

        HttpResponse<String> revoked = api.send(owner, "DELETE", tokens() + "/" + id, null);

        assertThat(revoked.statusCode()).isEqualTo(204);
        assertRefused(api.send(editor, "GET", clusters(), null), 401, "unauthenticated");
        assertThat(json(api.send(owner, "GET", tokens() + "/" + id, null)).get("revokedAt").isNull()).isFalse();
        assertThat(api.send(owner, "DELETE", tokens() + "/" + id, null).statusCode()).isEqualTo(204);
    }

    @Test
    void anExpiredTokenIsRefusedAtOnce() {
        String viewer = api.mint(owner, tenant, "dashboard", "viewer");
        assertThat(api.send(viewer, "GET", clusters(), null).statusCode()).isEqualTo(200);

        // Time passes: the token's expiry is now behind it.
        api.db.update(API_TOKENS).set(API_TOKENS.EXPIRES_AT, OffsetDateTime.now().minusHours(1))
                .where(API_TOKENS.ID.eq(UUID.fromString(idOf("dashboard")))).execute();

        HttpResponse<String> refused = api.send(viewer, "GET", clusters(), null);
        assertRefused(refused, 401, "unauthenticated");
        assertThat(refused.headers().firstValue("WWW-Authenticate")).isPresent();
    }

    @Test
    void forgedTokensAreRefusedAndNotEchoed() {
        String forged = "fm_" + "A".repeat(43);
        String almost = owner.substring(0, owner.length() - 1) + (owner.endsWith("A") ? "B" : "A");

        HttpResponse<String> forgedAnswer = api.send(forged, "GET", clusters(), null);
        HttpResponse<String> almostAnswer = api.send(almost, "GET", clusters(), null);
        HttpResponse<String> sqlAnswer = api.send("fm_' OR '1'='1", "GET", clusters(), null);

        assertRefused(forgedAnswer, 401, "unauthenticated");
        assertRefused(almostAnswer, 401, "unauthenticated");
        assertRefused(sqlAnswer, 401, "unauthenticated");
        assertThat(almostAnswer.body()).doesNotContain(almost).doesNotContain(owner);
    }

    @Test
    void mintingAndRevokingAreAuditedTenantChangesWithTheirOwnRevisions() {
        UUID tenantId = api.db.select(TENANTS.ID).from(TENANTS).where(TENANTS.NAME.eq(tenant)).fetchSingle(TENANTS.ID);

        api.mint(owner, tenant, "ci", "editor");
        api.send(owner, "DELETE", tokens() + "/" + idOf("ci"), null);

        assertThat(api.db.select(AUDIT_LOG.ACTION, AUDIT_LOG.RESOURCE_KIND, AUDIT_LOG.ACTOR).from(AUDIT_LOG)
                .where(AUDIT_LOG.TENANT_ID.eq(tenantId)).orderBy(AUDIT_LOG.ID).fetch()
                .map(r -> r.value1() + " " + r.value2() + " by " + r.value3().split("/")[0]))
                .containsExactly("create ApiToken by admin", "create ApiToken by token:first-owner",
                        "update ApiToken by token:first-owner");
        assertThat(json(api.send(owner, "GET", "/api/v1/tenants/" + tenant, null)).get("revision").asText()).isEqualTo("3");
        assertThat(api.db.select(AUDIT_LOG.REVISION).from(AUDIT_LOG).where(AUDIT_LOG.TENANT_ID.eq(tenantId))
                .orderBy(AUDIT_LOG.ID).fetch(AUDIT_LOG.REVISION)).containsExactly(1L, 2L, 3L);
        assertThat(api.db.fetchCount(OUTBOX, OUTBOX.TENANT_ID.eq(tenantId))).isEqualTo(3);
        assertThat(api.send(owner, "GET", "/api/v1/tenants/" + tenant + "/audit?kind=ApiToken", null).body())
                .doesNotContain("fm_");
    }

    @Test
    void anUnknownTokenIdIsNotFound() {
        assertRefused(api.send(owner, "GET", tokens() + "/" + UUID.randomUUID(), null), 404, "not_found");
        assertRefused(api.send(owner, "DELETE", tokens() + "/not-an-id", null), 404, "not_found");
    }

    private String idOf(String name) {
        for (JsonNode token : json(api.send(owner, "GET", tokens(), null)).get("items")) {
            if (token.get("name").asText().equals(name)) {
                return token.get("id").asText();
            }
        }
        throw new AssertionError("no token named " + name);
    }

    static void assertRefused(HttpResponse<String> answer, int status, String code) {
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(status);
        assertThat(answer.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).contains("problem+json"));
        assertThat(json(answer).get("code").asText()).isEqualTo(code);
        assertThat(json(answer).get("message").asText()).isNotBlank();
    }

    private String tokens() {
        return "/api/v1/tenants/" + tenant + "/tokens";
    }

    private String clusters() {
        return "/api/v1/tenants/" + tenant + "/clusters";
    }
}

package dev.fedmesh.controlapi.trust;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fedmesh.controlapi.RunningApi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.fedmesh.db.jooq.Tables.AUDIT_LOG;
import static dev.fedmesh.db.jooq.Tables.ROOT_ROTATIONS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Root rotation over REST on real PostgreSQL: starting one, following each cluster's progress
 * from the rows the distributor writes, and retiring a root by hand (refused while in use).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RootRotationApiTest {
    private RunningApi running;

    @BeforeAll
    void start() {
        running = RunningApi.start(getClass(), Map.of());
    }

    @AfterAll
    void stop() {
        running.close();
    }

    @Test
    void anEditorStartsARotationAndIsAnswered202WithTheRotationItsRowAndOneAuditEntry() {
        TrustRows rows = new TrustRows(running, "east");
        String editor = running.mint(running.adminToken, rows.tenant, "rotator", "editor");
        Map<String, Object> before = rows.state();

        HttpResponse<String> started = send(editor, "POST", rotations(rows), 202);

        JsonNode rotation = RunningApi.json(started);
        String id = rotation.get("id").asText();
        assertThat(rotation.get("stage").asText()).isEqualTo("requested");
        assertThat(rotation.get("requestedBy").asText()).startsWith("token:rotator/");
        assertThat(rotation.get("oldRootSha256").isNull()).isTrue();
        assertThat(rotation.get("stageRevision").isNull()).isTrue();
        assertThat(started.headers().firstValue("Location")).hasValue(rotations(rows) + "/" + id);
        var row = running.db.selectFrom(ROOT_ROTATIONS).where(ROOT_ROTATIONS.ID.eq(UUID.fromString(id))).fetchSingle();
        assertThat(row.getStage()).isEqualTo("requested");
        assertThat(row.getRequestedBy()).isEqualTo(rotation.get("requestedBy").asText());
        var audit = running.db.selectFrom(AUDIT_LOG).where(AUDIT_LOG.TENANT_ID.eq(rows.tenantId)
                .and(AUDIT_LOG.RESOURCE_KIND.eq("RootRotation"))).fetchSingle();
        assertThat(audit.getAction()).isEqualTo("create");
        assertThat(audit.getResourceName()).isEqualTo(id);
        assertThat(audit.getActor()).isEqualTo(row.getRequestedBy());
        assertThat(rows.state()).as("no revision and no outbox row: the distributor makes the change")
                .containsEntry("revision", before.get("revision")).containsEntry("outbox", before.get("outbox"))
                .containsEntry("rotations", 1);
    }

    @Test
    void aSecondStartWhileOneIsOpenIsRefusedNamingItAndOneMayStartOnceItIsDone() {
        TrustRows rows = new TrustRows(running, "east");
        String first = RunningApi.json(send(running.adminToken, "POST", rotations(rows), 202)).get("id").asText();
        rows.stage(first, "bundle", 3, rows.root(OffsetDateTime.now()), rows.root(null));
        Map<String, Object> before = rows.state();

        JsonNode refused = RunningApi.json(send(running.adminToken, "POST", rotations(rows), 409));

        assertThat(refused.get("code").asText()).isEqualTo("rotation_in_progress");
        assertThat(refused.get("message").asText()).contains(first, "'bundle'");
        assertThat(rows.state()).isEqualTo(before);

        rows.stage(first, "done", 5, null, null);
        String second = RunningApi.json(send(running.adminToken, "POST", rotations(rows), 202)).get("id").asText();
        assertThat(second).isNotEqualTo(first);
    }

    @Test
    void eightStartsSentAtOnceLeaveExactlyOneRotationAndSevenRefusals() throws Exception {
        TrustRows rows = new TrustRows(running, "east");
        ExecutorService callers = Executors.newFixedThreadPool(8);
        List<Future<HttpResponse<String>>> answers = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                answers.add(callers.submit(() -> running.send(running.adminToken, "POST", rotations(rows), null)));
            }
            List<Integer> statuses = new ArrayList<>();
            for (Future<HttpResponse<String>> answer : answers) {
                statuses.add(answer.get().statusCode());
            }
            assertThat(statuses).filteredOn(status -> status == 202).hasSize(1);
            assertThat(statuses).filteredOn(status -> status == 409).hasSize(7);
        } finally {
            callers.shutdownNow();
        }
        assertThat(rows.state()).containsEntry("rotations", 1);
        assertThat(rows.audited("create", "RootRotation")).isEqualTo(1);
    }

    @Test
    void aViewerCannotStartARotationButReadsThem() {
        TrustRows rows = new TrustRows(running, "east");
        String viewer = running.mint(running.adminToken, rows.tenant, "watcher", "viewer");
        Map<String, Object> before = rows.state();

        JsonNode refused = RunningApi.json(send(viewer, "POST", rotations(rows), 403));

        assertThat(refused.get("code").asText()).isEqualTo("forbidden");
        assertThat(rows.state()).isEqualTo(before);
        String id = RunningApi.json(send(running.adminToken, "POST", rotations(rows), 202)).get("id").asText();
        assertThat(RunningApi.json(send(viewer, "GET", rotations(rows) + "/" + id, 200)).get("id").asText()).isEqualTo(id);
        assertThat(RunningApi.json(send(viewer, "GET", rotations(rows), 200)).get("items")).hasSize(1);
    }

    @Test
    void theRotationShowsEachClustersProgressThroughTheCurrentStage() {
        TrustRows rows = new TrustRows(running, "east", "north", "west");
        byte[] oldRoot = rows.root(OffsetDateTime.now().minusDays(30));
        byte[] newRoot = rows.root(null);
        String id = RunningApi.json(send(running.adminToken, "POST", rotations(rows), 202)).get("id").asText();
        OffsetDateTime expiry = OffsetDateTime.parse("2027-01-01T00:00:00Z");
        rows.stage(id, "bundle", 7, oldRoot, newRoot);
        rows.reported("east", 7, oldRoot, expiry);
        rows.reported("west", 6, oldRoot, expiry);

        JsonNode bundle = RunningApi.json(send(running.adminToken, "GET", rotations(rows) + "/" + id, 200));

        assertThat(bundle.get("stage").asText()).isEqualTo("bundle");
        assertThat(bundle.get("stageRevision").asText()).isEqualTo("7");
        assertThat(bundle.get("oldRootSha256").asText()).isEqualTo(HexFormat.of().formatHex(oldRoot));
        assertThat(bundle.get("newRootSha256").asText()).isEqualTo(HexFormat.of().formatHex(newRoot));
        JsonNode east = cluster(bundle, "east");
        assertThat(east.get("appliedRevision").asText()).isEqualTo("7");
        assertThat(east.get("svidRootSha256").asText()).isEqualTo(HexFormat.of().formatHex(oldRoot));
        assertThat(east.get("intermediateNotAfter").asText()).isEqualTo("2027-01-01T00:00:00Z");
        assertThat(east.get("lastHeartbeat").isNull()).isFalse();
        assertThat(east.get("stageApplied").asBoolean()).isTrue();
        assertThat(cluster(bundle, "west").get("stageApplied").asBoolean()).isFalse();
        JsonNode north = cluster(bundle, "north");
        assertThat(north.get("reporting").asBoolean()).isFalse();
        assertThat(north.get("lastHeartbeat").isNull()).isTrue();
        assertThat(north.get("stageApplied").asBoolean()).isFalse();
        assertThat(bundle.get("summary").get("clusters").asInt()).isEqualTo(3);
        assertThat(bundle.get("summary").get("reporting").asInt()).isEqualTo(2);
        assertThat(bundle.get("summary").get("stageApplied").asInt()).isEqualTo(1);
        assertThat(bundle.get("summary").get("waitingFor")).extracting(JsonNode::asText).containsExactly("west");

        rows.stage(id, "reissue", 8, oldRoot, newRoot);
        rows.reported("east", 8, newRoot, expiry);
        rows.reported("west", 8, oldRoot, expiry);
        JsonNode reissue = RunningApi.json(send(running.adminToken, "GET", rotations(rows) + "/" + id, 200));

        assertThat(cluster(reissue, "east").get("stageApplied").asBoolean()).isTrue();
        assertThat(cluster(reissue, "west").get("stageApplied").asBoolean()).as("applied, but its SVIDs are under the old root")
                .isFalse();
        assertThat(reissue.get("summary").get("waitingFor")).extracting(JsonNode::asText).containsExactly("west");

        rows.reported("west", 8, null, expiry);
        JsonNode reissuing = RunningApi.json(send(running.adminToken, "GET", rotations(rows) + "/" + id, 200));
        rows.reported("west", 8, null, null);
        JsonNode holdingNone = RunningApi.json(send(running.adminToken, "GET", rotations(rows) + "/" + id, 200));

        assertThat(reissuing.get("summary").get("waitingFor")).as("an intermediate, SVIDs not all re-issued yet")
                .extracting(JsonNode::asText).containsExactly("west");
        assertThat(holdingNone.get("summary").get("waitingFor")).as("no intermediate: no SVID to re-issue").isEmpty();

        rows.reported("west", 8, newRoot, expiry);
        JsonNode moved = RunningApi.json(send(running.adminToken, "GET", rotations(rows) + "/" + id, 200));

        assertThat(moved.get("summary").get("stageApplied").asInt()).isEqualTo(2);
        assertThat(moved.get("summary").get("waitingFor")).isEmpty();
    }

    @Test
    void rotationsAreListedNewestFirstAPageAtATime() {
        TrustRows rows = new TrustRows(running, "east");
        String first = RunningApi.json(send(running.adminToken, "POST", rotations(rows), 202)).get("id").asText();
        rows.stage(first, "done", 2, null, null);
        String second = RunningApi.json(send(running.adminToken, "POST", rotations(rows), 202)).get("id").asText();
        rows.stage(second, "failed", 2, null, null);
        HttpResponse<String> withEmptyBody = running.send(running.adminToken, "POST", rotations(rows), "{}");
        assertThat(withEmptyBody.statusCode()).as("an empty JSON object is accepted too: " + withEmptyBody.body()).isEqualTo(202);
        String third = RunningApi.json(withEmptyBody).get("id").asText();

        JsonNode page = RunningApi.json(send(running.adminToken, "GET", rotations(rows) + "?limit=2", 200));
        JsonNode rest = RunningApi.json(send(running.adminToken, "GET", rotations(rows) + "?limit=2&pageToken="
                + page.get("nextPageToken").asText(), 200));

        assertThat(page.get("items")).extracting(item -> item.get("id").asText()).containsExactly(third, second);
        assertThat(rest.get("items")).extracting(item -> item.get("id").asText()).containsExactly(first);
        assertThat(rest.has("nextPageToken")).isFalse();
    }

    @Test
    void malformedInputIsRefusedNamingTheField() {
        TrustRows rows = new TrustRows(running, "east");

        assertThat(field(send(running.adminToken, "GET", rotations(rows) + "/not-a-uuid", 400))).isEqualTo("id");
        assertThat(field(send(running.adminToken, "GET", rotations(rows) + "?pageToken=bogus", 400))).isEqualTo("pageToken");
        assertThat(field(send(running.adminToken, "DELETE", roots(rows) + "/abc123", 400))).isEqualTo("sha256");
        assertThat(field(send(running.adminToken, "DELETE", roots(rows) + "/" + "g".repeat(64), 400))).isEqualTo("sha256");
        assertThat(RunningApi.json(send(running.adminToken, "GET", rotations(rows) + "/" + UUID.randomUUID(), 404))
                .get("code").asText()).isEqualTo("not_found");
        assertThat(RunningApi.json(send(running.adminToken, "DELETE", roots(rows) + "/" + "ab".repeat(32), 404))
                .get("code").asText()).isEqualTo("not_found");
        assertThat(RunningApi.json(send(running.adminToken, "POST", "/api/v1/tenants/no-such-tenant/trust/root-rotations", 404))
                .get("code").asText()).isEqualTo("not_found");
    }

    @Test
    void theSigningRootIsNotRetired() {
        TrustRows rows = new TrustRows(running, "east");
        rows.root(OffsetDateTime.now().minusDays(30));
        byte[] signing = rows.root(OffsetDateTime.now().minusDays(1));

        assertRefusedInUse(rows, signing, "signing root", "root rotation");
    }

    @Test
    void theLastRootInTheBundleIsNotRetired() {
        TrustRows rows = new TrustRows(running, "east");
        byte[] only = rows.root(null);

        assertRefusedInUse(rows, only, "last root in the bundle");
    }

    @Test
    void aRootOfAnOpenRotationIsNotRetired() {
        TrustRows rows = new TrustRows(running, "east");
        byte[] old = rows.root(OffsetDateTime.now().minusDays(30));
        byte[] added = rows.root(null);
        String id = RunningApi.json(send(running.adminToken, "POST", rotations(rows), 202)).get("id").asText();
        rows.stage(id, "bundle", 4, old, added);

        assertRefusedInUse(rows, added, "new root of root rotation " + id, "'bundle'");
    }

    @Test
    void aRootUnderWhichAClustersNewestIntermediateWasIssuedIsNotRetired() {
        TrustRows rows = new TrustRows(running, "east", "west");
        byte[] old = rows.root(OffsetDateTime.now().minusDays(30));
        byte[] signing = rows.root(OffsetDateTime.now().minusDays(1));
        rows.intermediate("east", old, 10);
        rows.intermediate("east", signing, 30);
        rows.intermediate("west", signing, 10);
        rows.intermediate("west", old, 30);

        String message = assertRefusedInUse(rows, old, "cluster(s) west chains to it", "renew under the signing root");

        assertThat(message).doesNotContain("east");
    }

    @Test
    void aRootAClustersSvidsChainToIsNotRetired() {
        TrustRows rows = new TrustRows(running, "east", "west");
        byte[] old = rows.root(OffsetDateTime.now().minusDays(30));
        byte[] signing = rows.root(OffsetDateTime.now().minusDays(1));
        rows.reported("east", 3, old, OffsetDateTime.now().plusDays(20));
        rows.reported("west", 3, signing, OffsetDateTime.now().plusDays(20));

        String message = assertRefusedInUse(rows, old, "cluster(s) east report SVIDs chaining to it", "svidRootSha256");

        assertThat(message).doesNotContain("west");
    }

    @Test
    void retiringAnUnusedRootDropsItFromTheBundleWithANewRevisionAndOutboxRow() {
        TrustRows rows = new TrustRows(running, "east");
        byte[] leftBehind = rows.root(OffsetDateTime.now().minusDays(30));
        byte[] signing = rows.root(OffsetDateTime.now().minusDays(1));
        rows.intermediate("east", leftBehind, 2);
        rows.intermediate("east", signing, 30);
        rows.reported("east", 1, signing, OffsetDateTime.now().plusDays(30));
        Map<String, Object> before = rows.state();
        String hex = HexFormat.of().formatHex(leftBehind);

        send(running.adminToken, "DELETE", roots(rows) + "/" + hex, 204);

        Map<String, Object> after = rows.state();
        assertThat(rows.retiredAt(leftBehind)).isNotNull();
        assertThat((Long) after.get("revision")).isEqualTo((Long) before.get("revision") + 1);
        assertThat((Integer) after.get("outbox")).isEqualTo((Integer) before.get("outbox") + 1);
        assertThat(rows.audited("delete", "TrustRoot")).isEqualTo(1);
        JsonNode trust = RunningApi.json(send(running.adminToken, "GET", "/api/v1/tenants/" + rows.tenant + "/trust", 200));
        assertThat(trust.get("roots")).filteredOn(root -> root.get("sha256").asText().equals(hex)).singleElement()
                .satisfies(root -> {
                    assertThat(root.get("state").asText()).isEqualTo("retired");
                    assertThat(root.get("retiredAt").isNull()).isFalse();
                });

        assertThat(send(running.adminToken, "GET", "/prometheus", 200).body()).as("a retired root's expiry is not watched")
                .doesNotContain(hex).contains(HexFormat.of().formatHex(signing));

        send(running.adminToken, "DELETE", roots(rows) + "/" + hex.toUpperCase(), 204);

        assertThat(rows.state()).as("retiring a retired root changes nothing").isEqualTo(after);
    }

    @Test
    void theTrustShowsEachRootsStateAndWhatEachClusterReports() {
        TrustRows rows = new TrustRows(running, "east", "west");
        byte[] bundle = rows.root(OffsetDateTime.now().minusDays(30));
        byte[] signing = rows.root(OffsetDateTime.now().minusDays(1));
        rows.intermediate("east", signing, 30);
        rows.reported("east", 2, signing, OffsetDateTime.parse("2027-02-01T00:00:00Z"));

        JsonNode trust = RunningApi.json(send(running.adminToken, "GET", "/api/v1/tenants/" + rows.tenant + "/trust", 200));

        assertThat(trust.get("roots")).extracting(root -> root.get("sha256").asText() + "=" + root.get("state").asText())
                .containsExactlyInAnyOrder(HexFormat.of().formatHex(bundle) + "=bundle",
                        HexFormat.of().formatHex(signing) + "=signing");
        assertThat(trust.get("roots")).allSatisfy(root -> {
            assertThat(root.get("signingSince").isNull()).isFalse();
            assertThat(root.get("retiredAt").isNull()).isTrue();
        });
        JsonNode east = cluster(trust, "east");
        assertThat(east.get("intermediateNotAfter").asText()).isEqualTo("2027-02-01T00:00:00Z");
        assertThat(east.get("svidRootSha256").asText()).isEqualTo(HexFormat.of().formatHex(signing));
        assertThat(east.get("intermediates").get(0).get("rootSha256").asText()).isEqualTo(HexFormat.of().formatHex(signing));
        JsonNode west = cluster(trust, "west");
        assertThat(west.get("intermediateNotAfter").isNull()).isTrue();
        assertThat(west.get("svidRootSha256").isNull()).isTrue();
        assertThat(west.get("missing").asBoolean()).as("existing fields are kept").isTrue();
    }

    /** DELETE of {@code root} is 409 root_in_use saying {@code reasons}; nothing changes but one refuse entry. */
    private String assertRefusedInUse(TrustRows rows, byte[] root, String... reasons) {
        Map<String, Object> before = rows.state();

        JsonNode refused = RunningApi.json(send(running.adminToken, "DELETE",
                roots(rows) + "/" + HexFormat.of().formatHex(root), 409));

        assertThat(refused.get("code").asText()).isEqualTo("root_in_use");
        assertThat(refused.get("message").asText()).contains(HexFormat.of().formatHex(root)).contains(reasons);
        Map<String, Object> after = rows.state();
        assertThat(rows.retiredAt(root)).isNull();
        assertThat(after).containsEntry("revision", before.get("revision")).containsEntry("outbox", before.get("outbox"))
                .containsEntry("retired", before.get("retired"));
        assertThat((Integer) after.get("audit")).as("one audit entry").isEqualTo((Integer) before.get("audit") + 1);
        assertThat(rows.audited("refuse", "TrustRoot")).isEqualTo(1);
        return refused.get("message").asText();
    }

    private HttpResponse<String> send(String bearer, String method, String path, int status) {
        HttpResponse<String> answer = running.send(bearer, method, path, null);
        assertThat(answer.statusCode()).as(method + " " + path + ": " + answer.body()).isEqualTo(status);
        return answer;
    }

    private static String rotations(TrustRows rows) {
        return "/api/v1/tenants/" + rows.tenant + "/trust/root-rotations";
    }

    private static String roots(TrustRows rows) {
        return "/api/v1/tenants/" + rows.tenant + "/trust/roots";
    }

    private static String field(HttpResponse<String> refused) {
        JsonNode problem = RunningApi.json(refused);
        assertThat(problem.get("code").asText()).isEqualTo("invalid_request");
        return problem.get("details").get(0).get("field").asText();
    }

    private static JsonNode cluster(JsonNode answer, String name) {
        for (JsonNode cluster : answer.get("clusters")) {
            if (cluster.get("cluster").asText().equals(name)) {
                return cluster;
            }
        }
        throw new AssertionError("no cluster " + name + " in " + answer);
    }
}

package dev.fedmesh.controlapi.trust;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fedmesh.controlapi.RunningApi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.time.OffsetDateTime;
import java.util.Map;

import static dev.fedmesh.db.jooq.Tables.AUDIT_LOG;
import static dev.fedmesh.db.jooq.Tables.ROOT_ROTATION_SKIPS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Skipping a cluster that is down so it no longer holds a root rotation, over REST on real
 * PostgreSQL: only owners, audited, read back through the rule the distributor moves rotations by.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RootRotationSkipApiTest {
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
    void anOwnerSkipsADownClusterSoTheStageNoLongerWaitsForItWithOneAuditEntry() {
        TrustRows rows = new TrustRows(running, "east", "west");
        String owner = running.mint(running.adminToken, rows.tenant, "boss", "owner");
        String id = startedInBundle(rows, 5);
        rows.reported("east", 5, null, null);
        rows.reported("west", 4, null, null);
        assertThat(RunningApi.json(running.send(owner, "GET", rotation(rows, id), null)).at("/summary/waitingFor"))
                .extracting(JsonNode::asText).containsExactly("west");

        HttpResponse<String> skipped = running.send(owner, "POST", rotation(rows, id) + "/skips", "{\"clusters\": [\"west\"]}");
        HttpResponse<String> again = running.send(owner, "POST", rotation(rows, id) + "/skips", "{\"clusters\": [\"west\"]}");

        assertThat(skipped.statusCode()).as(skipped.body()).isEqualTo(200);
        JsonNode answer = RunningApi.json(skipped);
        assertThat(answer.at("/summary/waitingFor")).isEmpty();
        assertThat(answer.at("/summary/skipped")).extracting(JsonNode::asText).containsExactly("west");
        assertThat(answer.at("/clusters/1/cluster").asText()).isEqualTo("west");
        assertThat(answer.at("/clusters/1/skipped").asBoolean()).isTrue();
        assertThat(answer.at("/clusters/0/skipped").asBoolean()).isFalse();
        assertThat(again.statusCode()).isEqualTo(200);
        var audit = running.db.selectFrom(AUDIT_LOG).where(AUDIT_LOG.TENANT_ID.eq(rows.tenantId)
                .and(AUDIT_LOG.RESOURCE_KIND.eq("RootRotation")).and(AUDIT_LOG.ACTION.eq("update"))).fetch();
        assertThat(audit).as("skipping a cluster already skipped changes nothing").hasSize(1);
        assertThat(audit.get(0).getResourceName()).isEqualTo(id);
        assertThat(audit.get(0).getActor()).startsWith("token:boss/");
        assertThat(audit.get(0).getBefore().data()).contains("\"skippedClusters\": []");
        assertThat(audit.get(0).getAfter().data()).contains("\"skippedClusters\": [\"west\"]");
    }

    @Test
    void anAdminOrEditorIsRefused403AndNothingChanges() {
        TrustRows rows = new TrustRows(running, "east");
        String id = startedInBundle(rows, 3);
        Map<String, String> tokens = new java.util.LinkedHashMap<>();
        for (String role : new String[] {"admin", "editor", "viewer"}) {
            tokens.put(role, running.mint(running.adminToken, rows.tenant, "t-" + role, role));
        }
        Map<String, Object> before = rows.state();

        for (String token : tokens.values()) {
            HttpResponse<String> refused = running.send(token, "POST", rotation(rows, id) + "/skips", "{\"clusters\": [\"east\"]}");
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
            assertThat(RunningApi.json(refused).get("message").asText()).contains("ask an owner");
        }
        assertThat(running.db.fetchCount(ROOT_ROTATION_SKIPS, ROOT_ROTATION_SKIPS.TENANT_ID.eq(rows.tenantId))).isZero();
        assertThat(rows.state()).isEqualTo(before);
    }

    @Test
    void anUnknownClusterOrAMissingListIsRefusedNamingClustersAndAFinishedRotationIs409() {
        TrustRows rows = new TrustRows(running, "east");
        String id = startedInBundle(rows, 3);

        HttpResponse<String> unknown = running.send(running.adminToken, "POST", rotation(rows, id) + "/skips",
                "{\"clusters\": [\"east\", \"nowhere\"]}");
        HttpResponse<String> missing = running.send(running.adminToken, "POST", rotation(rows, id) + "/skips", "{}");
        HttpResponse<String> unknownRotation = running.send(running.adminToken, "POST",
                rotations(rows) + "/1f0c9d2e-4b7a-4c55-9a0e-3d2b8c6f7e10/skips", "{\"clusters\": [\"east\"]}");

        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(RunningApi.json(unknown).at("/details/0/field").asText()).isEqualTo("clusters");
        assertThat(RunningApi.json(unknown).at("/details/0/problem").asText()).contains("'nowhere'");
        assertThat(running.db.fetchCount(ROOT_ROTATION_SKIPS, ROOT_ROTATION_SKIPS.TENANT_ID.eq(rows.tenantId))).as("east was not skipped either").isZero();
        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(RunningApi.json(missing).at("/details/0/field").asText()).isEqualTo("clusters");
        assertThat(unknownRotation.statusCode()).isEqualTo(404);

        rows.stage(id, "done", 3, rows.root(null), rows.root(null));
        HttpResponse<String> finished = running.send(running.adminToken, "POST", rotation(rows, id) + "/skips",
                "{\"clusters\": [\"east\"]}");
        assertThat(finished.statusCode()).isEqualTo(409);
        assertThat(RunningApi.json(finished).get("code").asText()).isEqualTo("rotation_finished");
    }

    private String startedInBundle(TrustRows rows, long revision) {
        HttpResponse<String> started = running.send(running.adminToken, "POST", rotations(rows), null);
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        String id = RunningApi.json(started).get("id").asText();
        rows.stage(id, "bundle", revision, rows.root(OffsetDateTime.now()), rows.root(null));
        return id;
    }

    private static String rotations(TrustRows rows) {
        return "/api/v1/tenants/" + rows.tenant + "/trust/root-rotations";
    }

    private static String rotation(TrustRows rows, String id) {
        return rotations(rows) + "/" + id;
    }
}

package dev.fedmesh.standalone.faults;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fedmesh.agent.ClusterAgent;
import dev.fedmesh.api.v1.ClusterStatus;
import dev.fedmesh.db.Migrations;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.standalone.Await;
import dev.fedmesh.testing.TestDatabase;
import dev.fedmesh.testing.TestKafka;
import dev.fedmesh.testing.TestPostgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Nothing a proxy sends jams the status pipeline, with the whole control plane and a real agent:
 * a proxy whose NACK carries NUL bytes and 2 MB of text, and 5,000 connected proxies (far past the
 * 1 MiB a report listing every one of them would take). The agent's reports keep reaching the API,
 * bounded, and the intermediate request riding in those very reports is answered.
 */
class StatusPipelineUnderLoadTest {
    private static final int PROXIES = 5_000;
    private static final Duration PATIENCE = Duration.ofSeconds(120);

    @TempDir
    Path state;
    private MeshUnderTest mesh;

    @AfterEach
    void stop() {
        if (mesh != null) {
            mesh.close();
        }
    }

    @Test
    void aHugeNackWithNulBytesAndFiveThousandProxiesStopNeitherReportsNorTheIntermediate() {
        TestDatabase database = TestPostgres.newDatabase(getClass());
        Migrations.apply(database.dataSource());
        mesh = new MeshUnderTest(new MeshUnderTest.Servers(database.jdbcUrl(), database.username(), database.password(),
                TestKafka.broker().bootstrapServers(), TestKafka.topicPrefix(getClass())), List.of("east"), state);
        mesh.startApi();
        // Nothing is published yet: the agent's first config, and with it its intermediate request,
        // comes once every proxy is connected, so the request rides in the reports that list them.
        mesh.registerTenantAndClusters();
        ClusterAgent east = mesh.startAgent("east");
        char[] text = new char[2 * 1024 * 1024];
        Arrays.fill(text, 'x');
        String nack = "listener rejected\u0000\u0000 " + new String(text);

        try (AdsStreams proxies = AdsStreams.acking("127.0.0.1:" + east.xdsPort(), "frontend", PROXIES)
                .nacking("gateway-0", nack)) {
            Await.within(PATIENCE, () -> east.proxies().size() == PROXIES + 1, "every proxy's stream open at the agent");
            assertThat(ClusterStatus.newBuilder().addAllProxies(east.proxies()).build().getSerializedSize())
                    .as("a report listing every proxy, as agents sent before").isGreaterThan(1024 * 1024);
            mesh.startDistributorWithCa();

            Await.within(PATIENCE, () -> east.intermediateNotAfter().isPresent(), "east's intermediate issued");
            // The report that says east holds its intermediate: the request rode in reports listing every proxy.
            JsonNode status = awaitStatus(json -> json.path("proxyCounts").path("total").asInt() == PROXIES + 1
                    && json.path("proxyCounts").path("nacked").asInt() == 1
                    && json.path("appliedRevision").asLong() == east.appliedRevision());
            assertThat(status.path("proxies")).hasSizeLessThanOrEqualTo(1_000);
            JsonNode gateway = status.path("proxies").get(0);
            assertThat(gateway.path("node").asText()).as("the NACKing proxy first").isEqualTo("gateway-0");
            assertThat(gateway.path("state").asText()).isEqualTo("NACKED");
            assertThat(gateway.path("error").asText()).startsWith("listener rejected   xxx").hasSize(1_024)
                    .doesNotContain("\u0000");
            assertThat(trust().path("clusters").get(0).path("intermediates")).hasSize(1);
            assertThat(PolicyJson.parse(mesh.api().expectOk(mesh.api().get("/api/v1/tenants/" + MeshUnderTest.TENANT
                    + "/status/dead-letters"), "reading the dead letters").body()).path("deadLetters")).isEmpty();
        }
    }

    private JsonNode awaitStatus(java.util.function.Predicate<JsonNode> done) {
        JsonNode[] last = new JsonNode[1];
        Await.within(PATIENCE, () -> {
            last[0] = PolicyJson.parse(mesh.api().expectOk(mesh.api().get("/api/v1/tenants/" + MeshUnderTest.TENANT
                    + "/clusters/east/status"), "reading east's status").body());
            return done.test(last[0]);
        }, "east's status to count every proxy");
        return last[0];
    }

    private JsonNode trust() {
        return PolicyJson.parse(mesh.api().expectOk(mesh.api().get("/api/v1/tenants/" + MeshUnderTest.TENANT + "/trust"),
                "reading the tenant's trust").body());
    }
}

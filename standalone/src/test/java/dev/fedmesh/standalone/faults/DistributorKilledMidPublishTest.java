package dev.fedmesh.standalone.faults;

import dev.fedmesh.standalone.Await;
import dev.fedmesh.api.KafkaTopics;
import dev.fedmesh.testing.TestDatabase;
import dev.fedmesh.testing.TestKafka;
import dev.fedmesh.testing.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A tenant of 20 clusters and 320 services whose distributor process is killed
 * ({@code destroyForcibly}, like {@code kill -9}) after the first records of a change reached the
 * topic but before it marked the change published: a new distributor publishes the change again
 * and every cluster converges to it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DistributorKilledMidPublishTest {
    private static final List<String> CLUSTERS = IntStream.rangeClosed(1, 20).mapToObj(i -> "cluster-%02d".formatted(i)).toList();

    private static final int SERVICES = 320;
    private static final long HOLD = 4_242_424_242L;

    @TempDir
    static Path work;

    private TestDatabase database;
    private MeshUnderTest mesh;
    private Path signingKeyFile;
    private DistributorProcess first;
    private DistributorProcess second;

    @BeforeAll
    void startApiAndAgents() throws IOException {
        database = TestPostgres.newDatabase(getClass());
        mesh = new MeshUnderTest(new MeshUnderTest.Servers(database.jdbcUrl(), database.username(), database.password(),
                TestKafka.broker().bootstrapServers(), TestKafka.topicPrefix(getClass())), CLUSTERS, work.resolve("agents"));
        mesh.startApi();
        mesh.registerTenantAndClusters();
        // Configs big enough (each over the producer's 16 KB batch) that a change's records leave in
        // several requests, so the kill can come between the first and the last; random names, as
        // real ones do not compress away.
        SecureRandom random = new SecureRandom();
        byte[] bytes = new byte[31];
        for (int i = 0; i < SERVICES; i++) {
            random.nextBytes(bytes);
            String name = "s" + HexFormat.of().formatHex(bytes);
            mesh.api().expectOk(mesh.api().put("/api/v1/tenants/" + MeshUnderTest.TENANT + "/services/" + name, "{}"),
                    "registering service " + name);
        }
        mesh.startAgents();
        signingKeyFile = work.resolve("config-signing-key.pem");
        mesh.signingKey().write(signingKeyFile);
    }

    @AfterAll
    void stopEverything() {
        for (DistributorProcess process : new DistributorProcess[] {first, second}) {
            if (process != null) {
                process.close();
            }
        }
        if (mesh != null) {
            mesh.close();
        }
    }

    @Test
    void aChangeWhoseDistributorWasKilledMidPublishReachesEveryClusterThroughTheNextDistributor() throws SQLException {
        first = DistributorProcess.start(mesh.servers(), signingKeyFile, work.resolve("distributor-1.log"));
        long before = mesh.routeAllTo("v1");
        mesh.awaitEveryCluster(before, () -> "\nfirst distributor's output:\n" + first.output());

        long change;
        int reachedAtKill;
        try (DesiredTopic topic = new DesiredTopic(mesh.servers().kafkaBootstrapServers(),
                KafkaTopics.desired(mesh.servers().topicPrefix(), MeshUnderTest.TENANT));
             Connection holder = database.dataSource().getConnection()) {
            topic.skipToEnd();
            holdTheDistributorBeforeItMarksAChangePublished(holder);
            change = mesh.routeAllTo("v2");
            reachedAtKill = topic.awaitRecordOf(change);
            first.kill();
            long reachedAfterKill = topic.readAll().stream().filter(record -> record.revision() == change).count();
            System.out.println("Distributor killed after " + reachedAtKill + " record(s) of revision " + change
                    + " were read from the topic; " + reachedAfterKill + " of " + CLUSTERS.size() + " were there after the kill");
            assertThat(unpublishedOutboxRows()).as("the killed distributor never marked the change published").isPositive();
            try (Statement statement = holder.createStatement()) {
                statement.execute("SELECT pg_advisory_unlock(" + HOLD + ")");
            }
        }

        long restarted = System.nanoTime();
        second = DistributorProcess.start(mesh.servers(), signingKeyFile, work.resolve("distributor-2.log"));
        String fault = "the distributor was killed mid-publish (new distributor process started)";
        mesh.awaitConvergence(fault, change, restarted);
        assertThat(mesh.appliedRevisions().values()).allMatch(applied -> applied >= change);
        mesh.awaitApiShowsEveryClusterInSync(fault, change, restarted);
        Await.until(() -> unpublishedOutboxRows() == 0, () -> "the new distributor to mark the change published:\n"
                + second.output());
    }

    /**
     * Makes the distributor's UPDATE that marks outbox rows published wait while {@code holder}
     * holds an advisory lock: in this test's own database, a trigger takes the same lock. The kill
     * then lands after the first records reached the topic and before the commit, every time,
     * however fast the machine; once released, the trigger takes the free lock and lets all pass.
     */
    private static void holdTheDistributorBeforeItMarksAChangePublished(Connection holder) throws SQLException {
        try (Statement statement = holder.createStatement()) {
            statement.execute("""
                    CREATE FUNCTION hold_outbox_marking() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                        PERFORM pg_advisory_xact_lock(%d);
                        RETURN NEW;
                    END $$""".formatted(HOLD));
            statement.execute("CREATE TRIGGER hold_outbox_marking BEFORE UPDATE ON outbox"
                    + " FOR EACH ROW EXECUTE FUNCTION hold_outbox_marking()");
            statement.execute("SELECT pg_advisory_lock(" + HOLD + ")");
        }
    }

    private long unpublishedOutboxRows() {
        try (Connection connection = database.dataSource().getConnection();
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT count(*) FROM outbox WHERE published_at IS NULL")) {
            rows.next();
            return rows.getLong(1);
        } catch (SQLException e) {
            throw new AssertionError("reading the outbox failed", e);
        }
    }
}

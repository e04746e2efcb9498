package dev.fedmesh.distributor.outbox;

import dev.fedmesh.db.Migrations;
import dev.fedmesh.db.jooq.tables.records.TenantPublishFailuresRecord;
import dev.fedmesh.distributor.publish.DesiredConfigPublisher;
import dev.fedmesh.distributor.state.TenantStateReader;
import dev.fedmesh.distributor.trust.TrustRootRecords;
import dev.fedmesh.distributor.trust.TrustRoots;
import dev.fedmesh.api.KafkaClientSecurity;
import dev.fedmesh.distributor.access.AgentAccess;
import dev.fedmesh.testing.TestDatabase;
import dev.fedmesh.testing.TestKafka;
import dev.fedmesh.testing.TestPostgres;
import dev.fedmesh.testing.TestResources;
import dev.fedmesh.trust.ca.BuiltInCertificateAuthority;
import dev.fedmesh.trust.signing.ConfigSigningKey;
import dev.fedmesh.trust.spiffe.TrustDomain;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static dev.fedmesh.db.jooq.Tables.OUTBOX;
import static dev.fedmesh.db.jooq.Tables.POLICIES;
import static dev.fedmesh.db.jooq.Tables.PUBLISHED_CONFIGS;
import static dev.fedmesh.db.jooq.Tables.TENANTS;
import static dev.fedmesh.db.jooq.Tables.TENANT_PUBLISH_FAILURES;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tenants whose configs cannot be published (one too large for Kafka, one whose CA answers 500)
 * beside ten that keep changing, on a real PostgreSQL and Kafka: the ten converge, and each poisoned
 * one is parked with its reason on record.
 */
class PoisonedTenantsTest {
    private static final Duration PATIENCE = Duration.ofSeconds(90);
    /** Small enough that a few hundred SPIFFE ids outgrow it. */
    private static final int MAX_RECORD_BYTES = 64 * 1024;
    private static final int CHANGES_EACH = 5;
    private final String topicPrefix = TestKafka.topicPrefix(getClass()) + UUID.randomUUID().toString().substring(0, 8) + ".";
    private final ExecutorService background = Executors.newCachedThreadPool();
    private final TestResources closing = new TestResources();
    private TestDatabase database;
    private DSLContext db;
    private BrokenVault vault;
    private OutboxRelay relay;

    @BeforeEach
    void start() throws Exception {
        database = TestPostgres.newDatabase(getClass());
        Migrations.apply(database.dataSource());
        db = DSL.using(database.dataSource(), SQLDialect.POSTGRES);
        vault = closing.add(new BrokenVault());
        BuiltInCertificateAuthority builtIn = BuiltInCertificateAuthority.open(Files.createTempDirectory("fedmesh-ca"),
                Clock.systemUTC());
        TrustRoots roots = new TrustRoots(new CaByTrustDomain(builtIn, TrustDomain.of("broken-ca.fedmesh.local"), vault.ca()),
                new TrustRootRecords(db));
        DesiredConfigPublisher publisher = closing.add(new DesiredConfigPublisher(TestKafka.broker().bootstrapServers(),
                KafkaClientSecurity.plaintext(), topicPrefix, 2, (short) 1, ConfigSigningKey.generate(), AgentAccess.NONE,
                MAX_RECORD_BYTES));
        relay = new OutboxRelay(db, database.jdbcUrl(), database.username(), database.password(), publisher,
                Duration.ofMillis(200), new TenantStateReader(roots));
        closing.add(relay::stop);
    }

    @AfterEach
    void stop() throws Exception {
        closing.close();
        background.shutdownNow();
    }

    @Test
    void twoPoisonedTenantsAreParkedWithTheirReasonWhileTenOthersKeepChangingAndConverge() throws Exception {
        UUID oversized = TenantWrites.create(db, "oversized", List.of("east", "west"));
        addPermission(oversized, "everyone-we-know", 300);
        UUID brokenCa = TenantWrites.create(db, "broken-ca", List.of("east"));
        List<UUID> healthy = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            healthy.add(TenantWrites.create(db, "healthy-" + i, List.of("east", "west")));
        }
        Future<?> relaying = background.submit(relay);

        List<Future<?>> writers = new ArrayList<>();
        for (UUID tenant : concat(healthy, List.of(oversized, brokenCa))) {
            writers.add(background.submit(() -> {
                for (int change = 0; change < CHANGES_EACH; change++) {
                    TenantWrites.changeSplit(db, tenant);
                    pause(Duration.ofMillis(150));
                }
                return null;
            }));
        }
        for (Future<?> writer : writers) {
            writer.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        }

        awaitPublished(healthy);
        for (int i = 0; i < healthy.size(); i++) {
            long revision = revision(healthy.get(i));
            assertThat(revision).isEqualTo(1 + CHANGES_EACH);
            assertThat(DesiredTopic.revisionsByCluster(DesiredTopic.read(topicPrefix, "healthy-" + i)))
                    .as("healthy-%d's clusters end at its last revision", i)
                    .allSatisfy((cluster, revisions) -> assertThat(revisions).last().isEqualTo(revision));
        }

        TenantPublishFailuresRecord tooLarge = awaitParked(oversized);
        assertThat(tooLarge.getErrorCode()).isEqualTo("config_too_large");
        assertThat(tooLarge.getLastError()).contains("cluster 'east'").contains("over the limit of " + MAX_RECORD_BYTES
                + " bytes").containsPattern("is \\d+ bytes");
        TenantPublishFailuresRecord caFailed = awaitParked(brokenCa);
        assertThat(caFailed.getErrorCode()).isEqualTo("ca_failed");
        assertThat(caFailed.getLastError()).contains("Vault at http://127.0.0.1").contains("500")
                .contains("internal error").doesNotContain("hvs.test-token-never-shown");
        for (TenantPublishFailuresRecord parked : List.of(tooLarge, caFailed)) {
            assertThat(parked.getNextAttemptAt()).isAfter(parked.getLastAttemptAt());
            assertThat(parked.getFailingSince()).isBeforeOrEqualTo(parked.getLastAttemptAt());
            assertThat(unpublished(parked.getTenantId())).as("the parked tenant's changes wait in the outbox")
                    .isEqualTo(1 + CHANGES_EACH + (parked.getTenantId().equals(oversized) ? 1 : 0));
        }
        assertThat(db.fetchCount(PUBLISHED_CONFIGS, PUBLISHED_CONFIGS.TENANT_ID.in(oversized, brokenCa)))
                .as("nothing of a poisoned tenant was sent").isZero();
        relay.stop();
        relaying.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    void aParkedTenantIsPublishedByTheChangeThatFixesItAndItsFailureIsCleared() throws Exception {
        UUID tenant = TenantWrites.create(db, "oversized", List.of("east"));
        addPermission(tenant, "everyone-we-know", 300);
        assertThat(relay.publishPending()).isZero();
        assertThat(awaitParked(tenant).getAttempts()).isEqualTo(1);

        removePermission(tenant, "everyone-we-know");
        long fixed = revision(tenant);
        Future<?> relaying = background.submit(relay);

        awaitPublished(List.of(tenant));
        assertThat(db.fetchCount(TENANT_PUBLISH_FAILURES)).as("failures on record").isZero();
        assertThat(DesiredTopic.revisionsByCluster(DesiredTopic.read(topicPrefix, "oversized")))
                .containsEntry("east", List.of(fixed));
        relay.stop();
        relaying.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    void failingTenantsNeverCrowdOutOfAPassATenantWithANewerChange() {
        // More tenants whose state does not compile than one pass takes, all with older changes.
        List<UUID> failing = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            UUID tenant = TenantWrites.create(db, "unknown-kind-" + i, List.of("east"));
            db.update(POLICIES).set(POLICIES.KIND, "NoSuchKind").where(POLICIES.TENANT_ID.eq(tenant)).execute();
            failing.add(tenant);
        }
        UUID newest = TenantWrites.create(db, "newest", List.of("east"));

        int published = relay.publishPending() + relay.publishPending();

        assertThat(published).isEqualTo(1);
        assertThat(unpublished(newest)).isZero();
        assertThat(db.selectFrom(TENANT_PUBLISH_FAILURES).fetch())
                .hasSize(failing.size())
                .allSatisfy(row -> {
                    assertThat(row.getErrorCode()).isEqualTo("compile_failed");
                    assertThat(row.getLastError()).contains("NoSuchKind");
                });
    }

    /** Commits the next revision of the tenant with a TrafficPermission allowing {@code sources} long SPIFFE ids. */
    private void addPermission(UUID tenant, String name, int sources) {
        StringBuilder spec = new StringBuilder("{\"rules\": [");
        for (int rule = 0; rule * 100 < sources; rule++) {
            spec.append(rule == 0 ? "" : ", ").append("{\"action\": \"ALLOW\", \"sources\": [");
            for (int i = rule * 100; i < Math.min(sources, (rule + 1) * 100); i++) {
                spec.append(i == rule * 100 ? "" : ", ").append("{\"spiffeId\": \"spiffe://partner.example/ns/team-")
                        .append(i).append("/sa/").append("s".repeat(200)).append("\"}");
            }
            spec.append("]}");
        }
        spec.append("]}");
        db.transaction(configuration -> {
            DSLContext tx = configuration.dsl();
            long revision = nextRevision(tx, tenant);
            tx.insertInto(POLICIES).set(POLICIES.TENANT_ID, tenant).set(POLICIES.NAME, name)
                    .set(POLICIES.KIND, "TrafficPermission").set(POLICIES.TARGET, JSONB.jsonb("{\"service\": \"greeter\"}"))
                    .set(POLICIES.SPEC, JSONB.jsonb(spec.toString())).set(POLICIES.RESOURCE_VERSION, revision).execute();
        });
    }

    private void removePermission(UUID tenant, String name) {
        db.transaction(configuration -> {
            DSLContext tx = configuration.dsl();
            nextRevision(tx, tenant);
            tx.deleteFrom(POLICIES).where(POLICIES.TENANT_ID.eq(tenant)).and(POLICIES.NAME.eq(name)).execute();
        });
    }

    /** Bumps the tenant's revision and queues it, as an API write does; returns the revision. */
    private static long nextRevision(DSLContext tx, UUID tenant) {
        long revision = tx.select(TENANTS.REVISION).from(TENANTS).where(TENANTS.ID.eq(tenant)).forUpdate()
                .fetchSingle().value1() + 1;
        tx.update(TENANTS).set(TENANTS.REVISION, revision).set(TENANTS.UPDATED_AT, OffsetDateTime.now())
                .where(TENANTS.ID.eq(tenant)).execute();
        tx.insertInto(OUTBOX).set(OUTBOX.TENANT_ID, tenant).set(OUTBOX.REVISION, revision).execute();
        return revision;
    }

    private void awaitPublished(List<UUID> tenants) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (tenants.stream().anyMatch(tenant -> unpublished(tenant) > 0)) {
            assertThat(System.nanoTime()).as("every change of %s published", tenants).isLessThan(deadline);
            pause(Duration.ofMillis(100));
        }
    }

    private TenantPublishFailuresRecord awaitParked(UUID tenant) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            TenantPublishFailuresRecord row = db.selectFrom(TENANT_PUBLISH_FAILURES)
                    .where(TENANT_PUBLISH_FAILURES.TENANT_ID.eq(tenant)).fetchOne();
            if (row != null) {
                return row;
            }
            assertThat(System.nanoTime()).as("tenant %s parked", tenant).isLessThan(deadline);
            pause(Duration.ofMillis(100));
        }
    }

    private int unpublished(UUID tenant) {
        return db.fetchCount(OUTBOX, OUTBOX.TENANT_ID.eq(tenant).and(OUTBOX.PUBLISHED_AT.isNull()));
    }

    private long revision(UUID tenant) {
        return db.select(TENANTS.REVISION).from(TENANTS).where(TENANTS.ID.eq(tenant)).fetchSingle().value1();
    }

    private static <T> List<T> concat(List<T> first, List<T> second) {
        List<T> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}

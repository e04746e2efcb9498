package dev.fedmesh.distributor.outbox;

import dev.fedmesh.db.Migrations;
import dev.fedmesh.distributor.publish.DesiredConfigPublisher;
import dev.fedmesh.testing.TestDatabase;
import dev.fedmesh.testing.TestKafka;
import dev.fedmesh.testing.TestPostgres;
import dev.fedmesh.testing.TestResources;
import dev.fedmesh.trust.signing.ConfigSigningKey;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.fedmesh.db.jooq.Tables.OUTBOX;
import static dev.fedmesh.db.jooq.Tables.PUBLISHED_CONFIGS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

/**
 * Two relays on one database and broker, one of them held at the exact point a race needs: the
 * older revision is never sent after the newer, changes committed meanwhile are not lost, and the
 * other tenants are published by the relay that is free.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CompetingRelaysTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private final String topicPrefix = TestKafka.topicPrefix(getClass());
    private final ConfigSigningKey signingKey = ConfigSigningKey.generate();
    private final ExecutorService background = Executors.newCachedThreadPool();
    private final TestResources closing = new TestResources();
    private TestDatabase database;
    private DSLContext db;

    @BeforeEach
    void freshDatabase() {
        database = TestPostgres.newDatabase(getClass());
        Migrations.apply(database.dataSource());
        db = DSL.using(database.dataSource(), SQLDialect.POSTGRES);
    }

    @AfterEach
    void closeRelays() throws Exception {
        closing.close();
    }

    @AfterAll
    void stopBackground() {
        background.shutdownNow();
    }

    @Test
    void aRelayHeldBeforeSendingIsNeverOvertakenByAnotherSendingANewerRevision() throws Exception {
        UUID tenant = TenantWrites.create(db, "held-before-sending", List.of("east", "west"));
        Hold hold = new Hold(tenant);
        OutboxRelay first = relay(new RelayPauses() {
            @Override
            public void beforePublish(UUID tenantId, long revision) {
                if (revision > 1 && hold.applies(tenantId)) {
                    hold.here();
                }
            }
        });
        OutboxRelay second = relay(RelayPauses.NONE);
        assertThat(second.publishPending()).isEqualTo(1);
        long older = TenantWrites.changeSplit(db, tenant);

        Future<Integer> firstPass = background.submit(first::publishPending);
        hold.awaitReached();
        long newer = TenantWrites.changeSplit(db, tenant);

        assertThat(second.publishPending()).as("tenants the second relay published while the first held the tenant")
                .isZero();
        assertThat(unpublishedRevisions(tenant)).containsExactly(older, newer);

        hold.release();
        assertThat(firstPass.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(unpublishedRevisions(tenant)).as("the change committed after the first relay's snapshot")
                .containsExactly(newer);

        assertThat(second.publishPending()).isEqualTo(1);
        assertThat(unpublishedRevisions(tenant)).isEmpty();
        assertThat(DesiredTopic.revisionsByCluster(DesiredTopic.read(topicPrefix, "held-before-sending")))
                .containsOnly(entry("east", List.of(1L, older, newer)), entry("west", List.of(1L, older, newer)));
        assertThat(recordedRevisions(tenant)).containsOnly(entry("east", newer), entry("west", newer));
    }

    @Test
    void aSnapshotTakenJustBeforeAnotherRelayCommitsIsNeverSent() throws Exception {
        UUID tenant = TenantWrites.create(db, "stale-snapshot", List.of("east", "west"));
        Hold hold = new Hold(tenant);
        AtomicInteger unpublishedInSnapshot = new AtomicInteger(-1);
        OutboxRelay late = relay(new RelayPauses() {
            @Override
            public void beforeTenantLock(DSLContext tx, UUID tenantId) {
                if (hold.applies(tenantId)) {
                    // The lock statement's snapshot is taken as the statement starts, a moment before
                    // the lock is granted. Take it here and let another relay publish and commit in
                    // that moment, widened at will.
                    unpublishedInSnapshot.set(tx.fetchCount(OUTBOX,
                            OUTBOX.TENANT_ID.eq(tenantId).and(OUTBOX.PUBLISHED_AT.isNull())));
                    hold.here();
                }
            }
        });
        OutboxRelay other = relay(RelayPauses.NONE);

        Future<Integer> latePass = background.submit(late::publishPending);
        hold.awaitReached();
        long newer = TenantWrites.changeSplit(db, tenant);
        assertThat(other.publishPending()).isEqualTo(1);
        assertThat(unpublishedRevisions(tenant)).isEmpty();

        hold.release();
        assertThat(latePass.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).as("tenants the late relay published").isZero();
        assertThat(unpublishedInSnapshot.get()).as("unpublished rows in the late relay's snapshot").isEqualTo(1);
        assertThat(late.publishPending()).isZero();
        assertThat(DesiredTopic.revisionsByCluster(DesiredTopic.read(topicPrefix, "stale-snapshot")))
                .containsOnly(entry("east", List.of(newer)), entry("west", List.of(newer)));
        assertThat(recordedRevisions(tenant)).containsOnly(entry("east", newer), entry("west", newer));
    }

    @Test
    void whileOneRelayIsHeldOnATenantAnotherPublishesTheOtherTenants() throws Exception {
        UUID busy = TenantWrites.create(db, "busy-tenant", List.of("east", "west"));
        Hold hold = new Hold(busy);
        OutboxRelay first = relay(new RelayPauses() {
            @Override
            public void beforePublish(UUID tenantId, long revision) {
                if (hold.applies(tenantId)) {
                    hold.here();
                }
            }
        });
        OutboxRelay second = relay(RelayPauses.NONE);

        Future<Integer> firstPass = background.submit(first::publishPending);
        hold.awaitReached();
        // Committed after the first relay chose its tenants, so only the second relay can publish it now.
        UUID quiet = TenantWrites.create(db, "quiet-tenant", List.of("north"));

        assertThat(second.publishPending()).isEqualTo(1);
        assertThat(unpublishedRevisions(quiet)).isEmpty();
        assertThat(unpublishedRevisions(busy)).containsExactly(1L);
        assertThat(DesiredTopic.revisionsByCluster(DesiredTopic.read(topicPrefix, "quiet-tenant")))
                .containsOnly(entry("north", List.of(1L)));

        hold.release();
        assertThat(firstPass.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(unpublishedRevisions(busy)).isEmpty();
        assertThat(DesiredTopic.revisionsByCluster(DesiredTopic.read(topicPrefix, "busy-tenant")))
                .containsOnly(entry("east", List.of(1L)), entry("west", List.of(1L)));
    }

    @Test
    void aRevisionOlderThanTheOneAlreadyRecordedAsPublishedIsNeverSent() {
        UUID tenant = TenantWrites.create(db, "behind-the-record", List.of("east", "west"));
        OutboxRelay relay = relay(RelayPauses.NONE);
        assertThat(relay.publishPending()).isEqualTo(1);
        // Only a broken invariant can put on record a revision newer than the tenant has; the guard
        // keeps even that from sending a config backwards.
        db.update(PUBLISHED_CONFIGS).set(PUBLISHED_CONFIGS.REVISION, 9L)
                .where(PUBLISHED_CONFIGS.TENANT_ID.eq(tenant)).execute();
        TenantWrites.changeSplit(db, tenant);

        assertThat(relay.publishPending()).isEqualTo(1);

        assertThat(unpublishedRevisions(tenant)).isEmpty();
        assertThat(DesiredTopic.revisionsByCluster(DesiredTopic.read(topicPrefix, "behind-the-record")))
                .containsOnly(entry("east", List.of(1L)), entry("west", List.of(1L)));
        assertThat(recordedRevisions(tenant)).containsOnly(entry("east", 9L), entry("west", 9L));
    }

    private OutboxRelay relay(RelayPauses pauses) {
        DesiredConfigPublisher publisher = new DesiredConfigPublisher(TestKafka.broker().bootstrapServers(), topicPrefix,
                1, (short) 1, signingKey);
        closing.add(publisher);
        OutboxRelay relay = new OutboxRelay(db, database.jdbcUrl(), database.username(), database.password(), publisher,
                Duration.ofSeconds(1), pauses);
        closing.add(relay::stop);
        return relay;
    }

    private List<Long> unpublishedRevisions(UUID tenant) {
        return db.select(OUTBOX.REVISION).from(OUTBOX)
                .where(OUTBOX.TENANT_ID.eq(tenant).and(OUTBOX.PUBLISHED_AT.isNull()))
                .orderBy(OUTBOX.REVISION)
                .fetch(OUTBOX.REVISION);
    }

    private Map<String, Long> recordedRevisions(UUID tenant) {
        return db.select(PUBLISHED_CONFIGS.CLUSTER, PUBLISHED_CONFIGS.REVISION).from(PUBLISHED_CONFIGS)
                .where(PUBLISHED_CONFIGS.TENANT_ID.eq(tenant))
                .fetchMap(PUBLISHED_CONFIGS.CLUSTER, PUBLISHED_CONFIGS.REVISION);
    }

    /** Holds a relay once, at one pause, for one tenant, until the test releases it. */
    private static final class Hold {
        private final UUID tenant;
        private final AtomicBoolean taken = new AtomicBoolean();
        private final CountDownLatch reached = new CountDownLatch(1);
        private final CountDownLatch released = new CountDownLatch(1);

        Hold(UUID tenant) {
            this.tenant = tenant;
        }

        boolean applies(UUID tenantId) {
            return tenant.equals(tenantId) && taken.compareAndSet(false, true);
        }

        void here() {
            reached.countDown();
            await(released, "the test to release the relay");
        }

        void awaitReached() {
            await(reached, "the relay to reach its pause");
        }

        void release() {
            released.countDown();
        }

        private static void await(CountDownLatch latch, String what) {
            try {
                if (!latch.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)) {
                    throw new AssertionError("waited " + PATIENCE.toSeconds() + " s for " + what);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what, e);
            }
        }
    }
}

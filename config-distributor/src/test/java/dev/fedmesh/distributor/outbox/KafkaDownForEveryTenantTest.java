package dev.fedmesh.distributor.outbox;

import dev.fedmesh.db.Migrations;
import dev.fedmesh.db.jooq.tables.records.TenantPublishFailuresRecord;
import dev.fedmesh.distributor.publish.DesiredConfigPublisher;
import dev.fedmesh.testing.EmbeddedKafka;
import dev.fedmesh.testing.TestDatabase;
import dev.fedmesh.testing.TestKafka;
import dev.fedmesh.testing.TestPostgres;
import dev.fedmesh.trust.signing.ConfigSigningKey;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static dev.fedmesh.db.jooq.Tables.OUTBOX;
import static dev.fedmesh.db.jooq.Tables.TENANT_PUBLISH_FAILURES;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kafka down is everyone's trouble, not each tenant's: a tenant it fails for is parked a few
 * seconds at most, the relay backs off as a whole when it fails for the next tenant too, and once
 * the broker is back every tenant is published. Runs a broker of its own, since it stops it.
 */
class KafkaDownForEveryTenantTest {
    private static final Duration PATIENCE = Duration.ofSeconds(120);
    private final ExecutorService background = Executors.newCachedThreadPool();
    @TempDir
    Path kafkaLogs;
    private EmbeddedKafka kafka;
    private DesiredConfigPublisher publisher;
    private OutboxRelay relay;

    @AfterEach
    void stop() {
        if (relay != null) {
            relay.stop();
        }
        background.shutdownNow();
        if (publisher != null) {
            publisher.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void tenantsKafkaFailedForAreParkedSecondsAtMostAndAllArePublishedOnceItIsBack() throws Exception {
        kafka = EmbeddedKafka.start(kafkaLogs, 0);
        int port = Integer.parseInt(kafka.bootstrapServers().replaceAll(".*:", ""));
        TestDatabase database = TestPostgres.newDatabase(getClass());
        Migrations.apply(database.dataSource());
        DSLContext db = DSL.using(database.dataSource(), SQLDialect.POSTGRES);
        publisher = new DesiredConfigPublisher(kafka.bootstrapServers(), TestKafka.topicPrefix(getClass()), 1, (short) 1,
                ConfigSigningKey.generate());
        relay = new OutboxRelay(db, database.jdbcUrl(), database.username(), database.password(), publisher,
                Duration.ofMillis(200));
        List<UUID> tenants = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            tenants.add(TenantWrites.create(db, "tenant-" + i, List.of("east")));
        }
        Future<?> relaying = background.submit(relay);
        awaitNothingUnpublished(db);

        kafka.close();
        for (UUID tenant : tenants) {
            TenantWrites.changeSplit(db, tenant);
        }
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (db.fetchCount(TENANT_PUBLISH_FAILURES) < 2) {
            assertThat(System.nanoTime()).as("the relay tried two tenants with Kafka down").isLessThan(deadline);
            Thread.sleep(200);
        }
        List<TenantPublishFailuresRecord> parked = db.selectFrom(TENANT_PUBLISH_FAILURES).fetch();
        assertThat(parked).allSatisfy(row -> {
            assertThat(row.getErrorCode()).isEqualTo("kafka_failed");
            assertThat(Duration.between(row.getLastAttemptAt(), row.getNextAttemptAt()))
                    .as("how long Kafka's trouble parks a tenant").isLessThanOrEqualTo(Duration.ofSeconds(5));
        });

        kafka = EmbeddedKafka.start(kafkaLogs, port);
        awaitNothingUnpublished(db);
        assertThat(db.fetchCount(TENANT_PUBLISH_FAILURES)).as("failures on record once Kafka is back").isZero();
        relay.stop();
        relaying.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
    }

    private static void awaitNothingUnpublished(DSLContext db) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (db.fetchCount(OUTBOX, OUTBOX.PUBLISHED_AT.isNull()) > 0) {
            assertThat(System.nanoTime()).as("every change published").isLessThan(deadline);
            Thread.sleep(200);
        }
    }
}

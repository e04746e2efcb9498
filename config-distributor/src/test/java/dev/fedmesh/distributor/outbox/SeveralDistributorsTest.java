package dev.fedmesh.distributor.outbox;

import com.google.protobuf.ByteString;
import dev.fedmesh.db.Migrations;
import dev.fedmesh.distributor.ConfigDistributor;
import dev.fedmesh.distributor.DistributorSettings;
import dev.fedmesh.policy.compiler.DesiredConfigEnvelopes;
import dev.fedmesh.testing.TestDatabase;
import dev.fedmesh.testing.TestKafka;
import dev.fedmesh.testing.TestPostgres;
import dev.fedmesh.trust.signing.ConfigSigningKey;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static dev.fedmesh.db.jooq.Tables.CLUSTERS;
import static dev.fedmesh.db.jooq.Tables.OUTBOX;
import static dev.fedmesh.db.jooq.Tables.PUBLISHED_CONFIGS;
import static dev.fedmesh.db.jooq.Tables.TENANTS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three distributors on one database and broker while writers commit changes to many tenants at
 * once, the way control-api does. Each distributor signs with a key of its own, so every record
 * says which instance sent it; the configs inside must still be byte-identical per revision.
 */
class SeveralDistributorsTest {
    private static final Logger LOG = LoggerFactory.getLogger(SeveralDistributorsTest.class);
    private static final Duration PATIENCE = Duration.ofSeconds(180);
    private static final int DISTRIBUTORS = 3;
    private static final int TENANTS_COUNT = 8;
    private static final int WRITERS = 4;
    private static final int ROUNDS = 8;
    private static final int ROUND_ADDING_A_CLUSTER = 3;

    @Test
    void threeDistributorsShareTheTenantsAndEveryClusterEndsOnItsTenantsLatestRevision() throws Exception {
        TestDatabase database = TestPostgres.newDatabase(getClass());
        Migrations.apply(database.dataSource());
        DSLContext db = DSL.using(database.dataSource(), SQLDialect.POSTGRES);
        String topicPrefix = TestKafka.topicPrefix(getClass());
        Map<String, UUID> tenants = new LinkedHashMap<>();
        for (int i = 0; i < TENANTS_COUNT; i++) {
            tenants.put("busy-" + i, TenantWrites.create(db, "busy-" + i, List.of("east", "west")));
        }
        List<UUID> ids = List.copyOf(tenants.values());

        Map<String, String> distributorByKeyId = new HashMap<>();
        List<ConfigDistributor> distributors = new ArrayList<>();
        ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
        try {
            for (int i = 0; i < DISTRIBUTORS; i++) {
                ConfigSigningKey key = ConfigSigningKey.generate();
                distributorByKeyId.put(key.keyId(), "distributor-" + i);
                distributors.add(ConfigDistributor.start(DistributorSettings.local(database.jdbcUrl(), database.username(),
                        database.password(), TestKafka.broker().bootstrapServers(), topicPrefix).withSigningKey(key)));
            }
            List<Future<?>> writing = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                writing.add(writers.submit(() -> {
                    for (int round = 0; round < ROUNDS; round++) {
                        for (int k = 0; k < ids.size(); k++) {
                            UUID tenant = ids.get((k + writer) % ids.size());
                            if (writer == 0 && round == ROUND_ADDING_A_CLUSTER) {
                                TenantWrites.addCluster(db, tenant, "south");
                            } else {
                                TenantWrites.changeSplit(db, tenant);
                            }
                        }
                    }
                }));
            }
            for (Future<?> write : writing) {
                write.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            }
            awaitEveryChangePublished(db);
        } finally {
            writers.shutdownNow();
            for (ConfigDistributor distributor : distributors) {
                distributor.close();
            }
        }

        Map<String, Integer> recordsByDistributor = new TreeMap<>();
        for (Map.Entry<String, UUID> tenant : tenants.entrySet()) {
            long latest = db.select(TENANTS.REVISION).from(TENANTS).where(TENANTS.ID.eq(tenant.getValue()))
                    .fetchSingle().value1();
            assertThat(latest).as("revision of " + tenant.getKey() + ": every write committed")
                    .isEqualTo(1 + WRITERS * ROUNDS);
            List<DesiredTopic.Published> records = DesiredTopic.read(topicPrefix, tenant.getKey());
            Map<String, List<DesiredTopic.Published>> byCluster = DesiredTopic.byCluster(records);

            assertThat(byCluster.keySet()).as("clusters of " + tenant.getKey() + " on its topic")
                    .containsExactlyInAnyOrderElementsOf(clusters(db, tenant.getValue()));
            byCluster.forEach((cluster, published) -> {
                List<Long> revisions = published.stream().map(DesiredTopic.Published::revision).toList();
                assertThat(revisions).as(tenant.getKey() + "/" + cluster + ": revisions in the order sent").isSorted();
                assertThat(revisions.get(revisions.size() - 1)).as(tenant.getKey() + "/" + cluster + ": last record")
                        .isEqualTo(latest);
                assertThat(published).as(tenant.getKey() + "/" + cluster + ": each config holds its revision's state")
                        .allSatisfy(record -> assertThat(record.v2Weight())
                                .isEqualTo(TenantWrites.v2Weight(record.revision())));
                Map<Long, Set<ByteString>> configsByRevision = published.stream().collect(Collectors.groupingBy(
                        DesiredTopic.Published::revision, Collectors.mapping(DesiredTopic.Published::config, Collectors.toSet())));
                assertThat(configsByRevision).as(tenant.getKey() + "/" + cluster + ": one config per revision")
                        .allSatisfy((revision, configs) -> assertThat(configs).hasSize(1));
                ByteString last = published.get(published.size() - 1).config();
                var recorded = db.select(PUBLISHED_CONFIGS.REVISION, PUBLISHED_CONFIGS.CONFIG_SHA256)
                        .from(PUBLISHED_CONFIGS)
                        .where(PUBLISHED_CONFIGS.TENANT_ID.eq(tenant.getValue()).and(PUBLISHED_CONFIGS.CLUSTER.eq(cluster)))
                        .fetchSingle();
                assertThat(recorded.value1()).as(tenant.getKey() + "/" + cluster + ": recorded revision").isEqualTo(latest);
                assertThat(recorded.value2()).as(tenant.getKey() + "/" + cluster + ": recorded digest")
                        .isEqualTo(DesiredConfigEnvelopes.sha256(last.toByteArray()));
            });
            for (DesiredTopic.Published record : records) {
                assertThat(distributorByKeyId).as("signing key of a record").containsKey(record.keyId());
                recordsByDistributor.merge(distributorByKeyId.get(record.keyId()), 1, Integer::sum);
            }
        }
        LOG.info("{} tenants, {} changes each by {} writers: records sent per distributor {}", TENANTS_COUNT,
                WRITERS * ROUNDS, WRITERS, recordsByDistributor);
        assertThat(recordsByDistributor).as("distributors that sent records").hasSizeGreaterThan(1);
    }

    private static List<String> clusters(DSLContext db, UUID tenant) {
        return db.select(CLUSTERS.NAME).from(CLUSTERS).where(CLUSTERS.TENANT_ID.eq(tenant)).fetch(CLUSTERS.NAME);
    }

    private static void awaitEveryChangePublished(DSLContext db) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (db.fetchCount(OUTBOX, OUTBOX.PUBLISHED_AT.isNull()) > 0) {
            assertThat(System.nanoTime()).as("every outbox row published").isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}

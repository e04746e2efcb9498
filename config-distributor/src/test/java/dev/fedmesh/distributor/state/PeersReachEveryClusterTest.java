package dev.fedmesh.distributor.state;

import dev.fedmesh.api.v1.ClusterPeer;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.db.Migrations;
import dev.fedmesh.distributor.outbox.OutboxRelay;
import dev.fedmesh.distributor.publish.DesiredConfigPublisher;
import dev.fedmesh.distributor.trust.AgentRequests;
import dev.fedmesh.testing.TestDatabase;
import dev.fedmesh.testing.TestKafka;
import dev.fedmesh.testing.TestPostgres;
import dev.fedmesh.trust.signing.ConfigSigningKey;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static dev.fedmesh.db.jooq.Tables.CLUSTERS;
import static dev.fedmesh.db.jooq.Tables.OUTBOX;
import static dev.fedmesh.db.jooq.Tables.TENANTS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * One cluster's network and east-west gateway, as {@link TenantStateReader} reads them, reach every
 * cluster's desired config through the outbox, on real PostgreSQL and Kafka.
 */
class PeersReachEveryClusterTest {
    private static final String TENANT = "peers";
    private DSLContext db;
    private String topicPrefix;
    private UUID tenantId;
    private DesiredConfigPublisher publisher;
    private OutboxRelay relay;

    @BeforeEach
    void start() {
        TestDatabase database = TestPostgres.newDatabase(getClass());
        Migrations.apply(database.dataSource());
        db = DSL.using(database.dataSource(), SQLDialect.POSTGRES);
        topicPrefix = TestKafka.topicPrefix(getClass()) + UUID.randomUUID().toString().substring(0, 8) + ".";
        tenantId = UUID.randomUUID();
        db.insertInto(TENANTS).set(TENANTS.ID, tenantId).set(TENANTS.NAME, TENANT).set(TENANTS.REVISION, 1L).execute();
        for (String cluster : List.of("east", "west", "edge")) {
            db.insertInto(CLUSTERS).set(CLUSTERS.TENANT_ID, tenantId).set(CLUSTERS.NAME, cluster)
                    .set(CLUSTERS.REGION, "us-" + cluster).set(CLUSTERS.NETWORK, "vpc-1")
                    .set(CLUSTERS.RESOURCE_VERSION, 1L).execute();
        }
        db.insertInto(OUTBOX).set(OUTBOX.TENANT_ID, tenantId).set(OUTBOX.REVISION, 1L).execute();
        publisher = new DesiredConfigPublisher(TestKafka.broker().bootstrapServers(), topicPrefix, 1, (short) 1,
                ConfigSigningKey.generate());
        relay = new OutboxRelay(db, database.jdbcUrl(), database.username(), database.password(), publisher,
                Duration.ofSeconds(1), new TenantStateReader());
    }

    @AfterEach
    void stop() {
        publisher.close();
    }

    @Test
    void movingEastToItsOwnNetworkBehindAGatewayChangesEveryClustersConfig() {
        relay.publishPending();
        assertThat(latest("west").getPeersList()).extracting(ClusterPeer::getName).containsExactly("east", "edge", "west");

        db.transaction(configuration -> {
            DSLContext tx = configuration.dsl();
            tx.update(CLUSTERS).set(CLUSTERS.NETWORK, "vpc-east").set(CLUSTERS.EAST_WEST_GATEWAY, "gw.east.example.com:15443")
                    .set(CLUSTERS.RESOURCE_VERSION, 2L)
                    .where(CLUSTERS.TENANT_ID.eq(tenantId).and(CLUSTERS.NAME.eq("east"))).execute();
            tx.update(TENANTS).set(TENANTS.REVISION, 2L).where(TENANTS.ID.eq(tenantId)).execute();
            tx.insertInto(OUTBOX).set(OUTBOX.TENANT_ID, tenantId).set(OUTBOX.REVISION, 2L).execute();
        });
        relay.publishPending();

        ClusterPeer east = ClusterPeer.newBuilder().setName("east").setRegion("us-east").setNetwork("vpc-east")
                .setEastWestGateway("gw.east.example.com:15443").build();
        for (String cluster : List.of("east", "west", "edge")) {
            DesiredConfig config = latest(cluster);
            assertThat(config.getRevision()).as(cluster).isEqualTo(2);
            assertThat(config.getPeersList()).as(cluster).contains(east);
        }
    }

    private DesiredConfig latest(String cluster) {
        return AgentRequests.latestConfig(topicPrefix, TENANT, cluster)
                .orElseThrow(() -> new AssertionError("no config for " + cluster + " on the desired topic"));
    }
}

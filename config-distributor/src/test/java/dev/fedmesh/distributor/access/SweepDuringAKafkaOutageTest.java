package dev.fedmesh.distributor.access;

import dev.fedmesh.api.v1.ClusterStatus;
import dev.fedmesh.db.Migrations;
import dev.fedmesh.db.TenantNameLock;
import dev.fedmesh.distributor.ConfigDistributor;
import dev.fedmesh.distributor.DistributorSettings;
import dev.fedmesh.distributor.publish.TenantTopics;
import dev.fedmesh.distributor.state.TenantRevisions;
import dev.fedmesh.distributor.trust.AgentRequests;
import dev.fedmesh.distributor.trust.IntermediateRequests;
import dev.fedmesh.distributor.trust.TrustRootRecords;
import dev.fedmesh.distributor.trust.TrustRoots;
import dev.fedmesh.testing.EmbeddedKafka;
import dev.fedmesh.testing.TestDatabase;
import dev.fedmesh.testing.TestPostgres;
import dev.fedmesh.trust.ca.BuiltInCertificateAuthority;
import dev.fedmesh.trust.issuance.IntermediateTerms;
import dev.fedmesh.trust.x509.CertificateRequest;
import dev.fedmesh.trust.x509.KeyType;
import org.apache.kafka.clients.admin.Admin;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static dev.fedmesh.db.jooq.Tables.TENANTS;
import static dev.fedmesh.distributor.access.SecuredBroker.PREFIX;
import static dev.fedmesh.distributor.access.SecuredBroker.SUPER;
import static dev.fedmesh.distributor.access.SecuredBroker.awaitPublished;
import static dev.fedmesh.distributor.access.SecuredBroker.commitTenant;
import static dev.fedmesh.distributor.access.SecuredBroker.credential;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The broker stops while a sweep deletes a deleted tenant's topics, on real PostgreSQL and a real
 * SCRAM broker: the sweep waits on Kafka holding only that tenant name's lock, and meanwhile API
 * writes to other tenants, a tenant created under another name, and an intermediate issued to an
 * agent all go on at their usual speed.
 */
class SweepDuringAKafkaOutageTest {
    /** Far shorter than the sweep's wait on a stopped broker (Kafka calls time out after 30 s). */
    private static final long PROMPTLY_SECONDS = 10;

    @Test
    void writesAndIssuanceGoOnWhileASweepWaitsOnAStoppedBroker() throws Exception {
        EmbeddedKafka kafka = SecuredBroker.start();
        TestDatabase database = TestPostgres.newDatabase(getClass());
        Migrations.apply(database.dataSource());
        DSLContext db = DSL.using(database.dataSource(), SQLDialect.POSTGRES);
        UUID gone = commitTenant(db, "gone", List.of("east"), true);
        UUID busy = commitTenant(db, "busy", List.of("east"), true);
        Properties config = new Properties();
        config.put("bootstrap.servers", kafka.bootstrapServers());
        SUPER.applyTo(config);
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch brokerStopped = new CountDownLatch(1);
        try (Admin admin = Admin.create(config);
             ConfigDistributor distributor = ConfigDistributor.start(DistributorSettings.local(database.jdbcUrl(),
                     database.username(), database.password(), kafka.bootstrapServers(), PREFIX)
                     .withKafkaSecurity(SUPER).withAgentAccessSweep(Duration.ofHours(1)));
             KafkaAgentAccess access = KafkaAgentAccess.connect(kafka.bootstrapServers(), SUPER, PREFIX, db)) {
            awaitPublished(db, gone);
            awaitPublished(db, busy);
            db.deleteFrom(TENANTS).where(TENANTS.ID.eq(gone)).execute();
            AgentAccessSweep sweep = new AgentAccessSweep(db, access, new TenantTopics(admin, PREFIX, 1, (short) 1),
                    new SweepPauses() {
                        @Override
                        public void holdingTenantName(String tenant) {
                            holding.countDown();
                            await(brokerStopped);
                        }
                    });
            CompletableFuture<AgentAccessSweep.Outcome> sweeping = CompletableFuture.supplyAsync(sweep::sweep);
            assertThat(holding.await(60, TimeUnit.SECONDS)).as("the sweep reaches the deleted tenant's topics").isTrue();
            kafka.close();
            brokerStopped.countDown();

            // An API write to another tenant: its revision bumped and queued, as TenantStore.change does.
            CompletableFuture<Long> write = CompletableFuture.supplyAsync(() ->
                    db.transactionResult(configuration -> TenantRevisions.bump(configuration.dsl(), busy)));
            // A tenant created under another name, holding its own name's lock, as TenantStore.create does.
            CompletableFuture<Integer> created = CompletableFuture.supplyAsync(() -> db.transactionResult(configuration -> {
                TenantNameLock.acquire(configuration.dsl(), "newcomer");
                return configuration.dsl().insertInto(TENANTS).set(TENANTS.ID, UUID.randomUUID())
                        .set(TENANTS.NAME, "newcomer").execute();
            }));
            // An agent's first intermediate request, answered as the status ingester hands it over.
            IntermediateRequests requests = new IntermediateRequests(db, new TrustRoots(BuiltInCertificateAuthority.open(
                    Files.createTempDirectory("fedmesh-ca"), Clock.systemUTC()), new TrustRootRecords(db)),
                    IntermediateTerms.DEFAULT, Duration.ofDays(7), Clock.systemUTC());
            CompletableFuture<IntermediateRequests.Outcome> issued = CompletableFuture.supplyAsync(() -> requests.handle(
                    "busy", ClusterStatus.newBuilder().setTenant("busy").setCluster("east")
                            .setIntermediateRequest(AgentRequests.credentialRequest("busy", "east",
                                    CertificateRequest.create(KeyType.EC_P256.generate(), "east",
                                            List.of(URI.create("spiffe://busy.fedmesh.local")), true),
                                    credential("busy", "east")))
                            .build()));

            assertThat(write.get(PROMPTLY_SECONDS, TimeUnit.SECONDS)).as("the write's new revision").isGreaterThan(2L);
            assertThat(created.get(PROMPTLY_SECONDS, TimeUnit.SECONDS)).as("tenants created").isEqualTo(1);
            assertThat(issued.get(PROMPTLY_SECONDS, TimeUnit.SECONDS)).isEqualTo(IntermediateRequests.Outcome.ISSUED);
            assertThat(sweeping).as("the sweep, still waiting on the stopped broker").isNotDone();
            assertThat(sweeping).failsWithin(Duration.ofSeconds(120));
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}

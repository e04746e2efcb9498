package dev.fedmesh.distributor.trust;

import com.zaxxer.hikari.HikariDataSource;
import dev.fedmesh.api.v1.ClusterStatus;
import dev.fedmesh.db.Migrations;
import dev.fedmesh.distributor.DistributorPool;
import dev.fedmesh.distributor.DistributorSettings;
import dev.fedmesh.testing.TestDatabase;
import dev.fedmesh.testing.TestPostgres;
import dev.fedmesh.testing.TestResources;
import dev.fedmesh.trust.ca.BuiltInCertificateAuthority;
import dev.fedmesh.trust.ca.CertificateAuthority;
import dev.fedmesh.trust.ca.IntermediateSigningRequest;
import dev.fedmesh.trust.ca.SignedIntermediate;
import dev.fedmesh.trust.issuance.IntermediateTerms;
import dev.fedmesh.trust.spiffe.TrustDomain;
import dev.fedmesh.trust.x509.CertificateRequest;
import dev.fedmesh.trust.x509.KeyType;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.fedmesh.db.jooq.Tables.AUDIT_LOG;
import static dev.fedmesh.db.jooq.Tables.CLUSTERS;
import static dev.fedmesh.db.jooq.Tables.INTERMEDIATES;
import static dev.fedmesh.db.jooq.Tables.OUTBOX;
import static dev.fedmesh.db.jooq.Tables.ROOT_ROTATIONS;
import static dev.fedmesh.db.jooq.Tables.TENANTS;
import static dev.fedmesh.db.jooq.Tables.TRUST_ROOTS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two distributors, each on a pool of its own as a distributor opens it, racing on one intermediate
 * request or one root rotation while an API write changes the same tenant, with a CA that counts
 * what it signs and makes: the CA signs once, makes one root, and exactly one row records it.
 */
class IssuanceRacesTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final String TENANT = "acme";
    private static final TrustDomain TRUST_DOMAIN = TrustDomain.of("acme.example.com");
    private final TestResources closing = new TestResources();
    private DSLContext db;
    private DSLContext first;
    private DSLContext second;
    private UUID tenantId;
    private String credential;
    private CountingCa ca;

    /** The built-in CA counting what it signs and makes; its first signature or root can be held. */
    private static final class CountingCa implements CertificateAuthority {
        private final CertificateAuthority real;
        private final AtomicInteger signatures = new AtomicInteger();
        private final AtomicInteger createdRoots = new AtomicInteger();
        private final CountDownLatch reached = new CountDownLatch(1);
        private final CountDownLatch released = new CountDownLatch(1);
        private volatile boolean holding;

        CountingCa(CertificateAuthority real) {
            this.real = real;
        }

        /** From now on, the next signature or root waits inside the CA until {@link #release}. */
        void holdTheNext() {
            holding = true;
        }

        void awaitHeld() throws InterruptedException {
            assertThat(reached.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).as("a distributor reached the CA").isTrue();
        }

        void release() {
            released.countDown();
        }

        @Override
        public SignedIntermediate signIntermediate(IntermediateSigningRequest request) {
            signatures.incrementAndGet();
            hold();
            return real.signIntermediate(request);
        }

        @Override
        public X509Certificate createRoot(TrustDomain trustDomain) {
            createdRoots.incrementAndGet();
            hold();
            return real.createRoot(trustDomain);
        }

        @Override
        public List<X509Certificate> roots(TrustDomain trustDomain) {
            return real.roots(trustDomain);
        }

        @Override
        public boolean constrainsNames() {
            return real.constrainsNames();
        }

        private void hold() {
            if (!holding) {
                return;
            }
            holding = false;
            reached.countDown();
            try {
                assertThat(released.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).as("the test released the CA").isTrue();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    @BeforeEach
    void start() throws Exception {
        TestDatabase database = TestPostgres.newDatabase(getClass());
        Migrations.apply(database.dataSource());
        db = DSL.using(database.dataSource(), SQLDialect.POSTGRES);
        DistributorSettings settings = DistributorSettings.local(database.jdbcUrl(), database.username(),
                database.password(), "localhost:9", "unused");
        HikariDataSource firstPool = closing.add(DistributorPool.open(settings, 2));
        HikariDataSource secondPool = closing.add(DistributorPool.open(settings, 2));
        first = DSL.using(firstPool, SQLDialect.POSTGRES);
        second = DSL.using(secondPool, SQLDialect.POSTGRES);
        tenantId = UUID.randomUUID();
        credential = "fmb_east-" + UUID.randomUUID();
        db.insertInto(TENANTS).set(TENANTS.ID, tenantId).set(TENANTS.NAME, TENANT)
                .set(TENANTS.TRUST_DOMAIN, TRUST_DOMAIN.name()).set(TENANTS.REVISION, 1L).execute();
        db.insertInto(CLUSTERS).set(CLUSTERS.TENANT_ID, tenantId).set(CLUSTERS.NAME, "east")
                .set(CLUSTERS.RESOURCE_VERSION, 1L)
                .set(CLUSTERS.BOOTSTRAP_SECRET_SHA256, AgentRequests.sha256(credential))
                .set(CLUSTERS.BOOTSTRAP_ISSUED_AT, OffsetDateTime.now())
                .execute();
        ca = new CountingCa(BuiltInCertificateAuthority.open(Files.createTempDirectory("fedmesh-ca"), Clock.systemUTC()));
        // The roots are on record, as after the tenant's first publish.
        new TrustRoots(ca, new TrustRootRecords(db)).bundle(db, TRUST_DOMAIN);
    }

    @AfterEach
    void stop() throws Exception {
        ca.release();
        closing.close();
    }

    @Test
    void twoDistributorsAndAnApiWriteRacingOnOneIntermediateRequestHaveItSignedOnce() throws Exception {
        ClusterStatus report = request();
        IntermediateRequests one = requests(first);
        IntermediateRequests other = requests(second);
        ca.holdTheNext();

        CompletableFuture<IntermediateRequests.Outcome> signing = CompletableFuture.supplyAsync(() -> one.handle(TENANT, report));
        ca.awaitHeld();
        CompletableFuture<IntermediateRequests.Outcome> waiting = CompletableFuture.supplyAsync(() -> other.handle(TENANT, report));
        awaitABlockedAdvisoryLock();
        long apiRevision = apiWrite();
        ca.release();

        assertThat(signing.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isEqualTo(IntermediateRequests.Outcome.ISSUED);
        assertThat(waiting.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isEqualTo(IntermediateRequests.Outcome.ISSUED);
        assertThat(ca.signatures.get()).as("signatures by the CA").isEqualTo(1);
        assertThat(db.fetchCount(INTERMEDIATES)).as("intermediates on record").isEqualTo(1);
        assertThat(db.fetchCount(AUDIT_LOG, AUDIT_LOG.RESOURCE_KIND.eq("Intermediate").and(AUDIT_LOG.ACTION.eq("create"))))
                .isEqualTo(1);
        assertThat(revision()).as("the API's revision, then the intermediate's").isEqualTo(apiRevision + 1);
        assertThat(one.handle(TENANT, report)).isEqualTo(IntermediateRequests.Outcome.ALREADY_ISSUED);
    }

    @Test
    void anIntermediateWhoseStoringFailedAfterTheSignatureIsStoredOnTheRetryNotSignedAgain() throws Exception {
        ClusterStatus report = request();
        IntermediateRequests requests = requests(first);
        ca.holdTheNext();

        CompletableFuture<IntermediateRequests.Outcome> signing = CompletableFuture.supplyAsync(() -> requests.handle(TENANT, report));
        ca.awaitHeld();
        // PostgreSQL drops the distributor's connection while the CA signs.
        terminateTheBackendHoldingTheKeyLock();
        ca.release();
        assertThat(signing).failsWithin(PATIENCE);

        assertThat(requests.handle(TENANT, report)).as("the agent's next report").isEqualTo(IntermediateRequests.Outcome.ISSUED);
        assertThat(ca.signatures.get()).as("signatures by the CA").isEqualTo(1);
        assertThat(db.fetchCount(INTERMEDIATES)).as("intermediates on record").isEqualTo(1);
    }

    @Test
    void twoDistributorsAndAnApiWriteRacingOnOneRootRotationHaveOneRootMade() throws Exception {
        UUID rotation = startRotation();
        RootRotations one = rotations(first);
        RootRotations other = rotations(second);
        ca.holdTheNext();

        CompletableFuture<Integer> making = CompletableFuture.supplyAsync(one::advance);
        ca.awaitHeld();
        assertThat(other.advance()).as("rotations the second distributor moved while the first held it").isZero();
        long apiRevision = apiWrite();
        ca.release();
        assertThat(making.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isEqualTo(1);
        // The drivers' next passes: a rotation still requested would make another root here.
        one.advance();
        other.advance();

        assertThat(ca.createdRoots.get()).as("roots made by the CA").isEqualTo(1);
        assertThat(ca.roots(TRUST_DOMAIN)).hasSize(2);
        assertThat(db.fetchCount(TRUST_ROOTS)).as("roots on record").isEqualTo(2);
        var row = db.selectFrom(ROOT_ROTATIONS).where(ROOT_ROTATIONS.ID.eq(rotation)).fetchSingle();
        assertThat(row.getStage()).isEqualTo("bundle");
        assertThat(row.getStageRevision()).as("the API's revision, then the stage's").isEqualTo(apiRevision + 1);
    }

    @Test
    void aRootWhoseRecordingFailedAfterTheCaMadeItIsRecordedOnTheNextStepNotMadeAgain() throws Exception {
        UUID rotation = startRotation();
        RootRotations rotations = rotations(first);
        ca.holdTheNext();

        CompletableFuture<Integer> making = CompletableFuture.supplyAsync(rotations::advance);
        ca.awaitHeld();
        terminateTheBackendsOf(ROOT_ROTATIONS.getName());
        ca.release();
        assertThat(making.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).as("rotations moved by the failed step").isZero();

        assertThat(rotations.advance()).isEqualTo(1);
        assertThat(ca.createdRoots.get()).as("roots made by the CA").isEqualTo(1);
        assertThat(db.fetchCount(TRUST_ROOTS)).as("roots on record").isEqualTo(2);
        assertThat(db.select(ROOT_ROTATIONS.STAGE).from(ROOT_ROTATIONS).where(ROOT_ROTATIONS.ID.eq(rotation))
                .fetchSingle().value1()).isEqualTo("bundle");
    }

    private IntermediateRequests requests(DSLContext dsl) {
        return new IntermediateRequests(dsl, new TrustRoots(ca, new TrustRootRecords(dsl)), IntermediateTerms.DEFAULT,
                Duration.ofDays(7), Clock.systemUTC());
    }

    private RootRotations rotations(DSLContext dsl) {
        // No cluster reports here, so a stage would count as applied at once: the settle time keeps it in "bundle".
        return new RootRotations(dsl, new TrustRoots(ca, new TrustRootRecords(dsl)), Duration.ofHours(1));
    }

    private ClusterStatus request() {
        CertificateRequest csr = CertificateRequest.create(KeyType.EC_P256.generate(), "intermediate",
                List.of(TRUST_DOMAIN.id().toUri()), true);
        return ClusterStatus.newBuilder().setTenant(TENANT).setCluster("east")
                .setIntermediateRequest(AgentRequests.credentialRequest(TENANT, "east", csr, credential)).build();
    }

    private UUID startRotation() {
        return db.insertInto(ROOT_ROTATIONS).set(ROOT_ROTATIONS.TENANT_ID, tenantId)
                .set(ROOT_ROTATIONS.REQUESTED_BY, "token:test").returning(ROOT_ROTATIONS.ID).fetchSingle().getId();
    }

    /** A write as control-api's TenantStore.change makes it: the tenant row locked, its revision bumped, an outbox row. */
    private long apiWrite() {
        return db.transactionResult(configuration -> {
            DSLContext tx = configuration.dsl();
            long revision = tx.select(TENANTS.REVISION).from(TENANTS).where(TENANTS.ID.eq(tenantId)).forUpdate()
                    .fetchSingle().value1() + 1;
            tx.update(TENANTS).set(TENANTS.REVISION, revision).set(TENANTS.UPDATED_AT, OffsetDateTime.now())
                    .where(TENANTS.ID.eq(tenantId)).execute();
            tx.insertInto(OUTBOX).set(OUTBOX.TENANT_ID, tenantId).set(OUTBOX.REVISION, revision).execute();
            return revision;
        });
    }

    private long revision() {
        return db.select(TENANTS.REVISION).from(TENANTS).where(TENANTS.ID.eq(tenantId)).fetchSingle().value1();
    }

    /** Waits until a second distributor waits for the key's advisory lock the first one holds. */
    private void awaitABlockedAdvisoryLock() {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (db.fetchCount(DSL.table("pg_locks"), DSL.field("locktype").eq("advisory")
                .and(DSL.field("granted", Boolean.class).isFalse())) == 0) {
            assertThat(System.nanoTime()).as("the second distributor waits for the key's lock").isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    private void terminateTheBackendHoldingTheKeyLock() {
        assertThat(db.fetch("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted"))
                .as("backends terminated").hasSize(1);
    }

    /** Terminates the backends of other sessions whose open transaction holds a lock on {@code table}. */
    private void terminateTheBackendsOf(String table) {
        assertThat(db.fetch("SELECT pg_terminate_backend(l.pid) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
                + " WHERE c.relname = ? AND l.pid <> pg_backend_pid()", table)).as("backends terminated").isNotEmpty();
    }
}

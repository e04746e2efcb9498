package dev.fedmesh.distributor.trust;

import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.db.Migrations;
import dev.fedmesh.db.jooq.tables.records.TrustRootsRecord;
import dev.fedmesh.distributor.ConfigDistributor;
import dev.fedmesh.distributor.DistributorSettings;
import dev.fedmesh.testing.TestDatabase;
import dev.fedmesh.testing.TestKafka;
import dev.fedmesh.testing.TestPostgres;
import dev.fedmesh.trust.ca.BuiltInCertificateAuthority;
import dev.fedmesh.trust.spiffe.TrustDomain;
import dev.fedmesh.trust.x509.CertificateFingerprint;
import dev.fedmesh.trust.x509.Pem;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import static dev.fedmesh.db.jooq.Tables.CLUSTERS;
import static dev.fedmesh.db.jooq.Tables.OUTBOX;
import static dev.fedmesh.db.jooq.Tables.TENANTS;
import static dev.fedmesh.db.jooq.Tables.TRUST_ROOTS;
import static org.assertj.core.api.Assertions.assertThat;

/** The roots a trust domain's CA presents are recorded in {@code trust_roots}, once each, for the expiry watch. */
class TrustRootRecordsTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @Test
    void aRunningDistributorRecordsTheRootItSendsToTheClusters() throws Exception {
        TestDatabase database = TestPostgres.newDatabase(getClass());
        Migrations.apply(database.dataSource());
        DSLContext db = DSL.using(database.dataSource(), SQLDialect.POSTGRES);
        String topicPrefix = TestKafka.topicPrefix(getClass());
        UUID tenantId = UUID.randomUUID();
        db.insertInto(TENANTS).set(TENANTS.ID, tenantId).set(TENANTS.NAME, "hooli")
                .set(TENANTS.TRUST_DOMAIN, "hooli.example.com").set(TENANTS.REVISION, 1L).execute();
        db.insertInto(CLUSTERS).set(CLUSTERS.TENANT_ID, tenantId)
                .set(CLUSTERS.NAME, "east")
                .set(CLUSTERS.RESOURCE_VERSION, 1L).execute();
        db.insertInto(OUTBOX).set(OUTBOX.TENANT_ID, tenantId).set(OUTBOX.REVISION, 1L).execute();

        try (ConfigDistributor ignored = ConfigDistributor.start(DistributorSettings.local(database.jdbcUrl(),
                database.username(), database.password(), TestKafka.broker().bootstrapServers(), topicPrefix),
                TrustSettings.builtIn(Files.createTempDirectory("fedmesh-ca")))) {
            DesiredConfig config = awaitConfig(topicPrefix);
            X509Certificate root = Pem.certificate(config.getTrust().getRootCertificatesPem(0));

            List<TrustRootsRecord> recorded = db.selectFrom(TRUST_ROOTS).fetch();
            assertThat(recorded).singleElement().satisfies(row -> {
                assertThat(row.getTrustDomain()).isEqualTo("hooli.example.com");
                assertThat(row.getSha256()).isEqualTo(MessageDigest.getInstance("SHA-256").digest(root.getEncoded()));
                assertThat(Pem.certificate(row.getPem())).isEqualTo(root);
                assertThat(row.getNotBefore().toInstant()).isEqualTo(root.getNotBefore().toInstant());
                assertThat(row.getNotAfter().toInstant()).isEqualTo(root.getNotAfter().toInstant());
                assertThat(row.getFirstSeen()).isNotNull();
            });
        }
    }

    @Test
    void rootsLoadedAgainAfterARestartKeepOneRowAndTheirFirstSeen() throws Exception {
        TestDatabase database = TestPostgres.newDatabase(getClass());
        Migrations.apply(database.dataSource());
        DSLContext db = DSL.using(database.dataSource(), SQLDialect.POSTGRES);
        Path directory = Files.createTempDirectory("fedmesh-ca");
        TrustDomain domain = TrustDomain.of("pied-piper.example.com");

        TrustRootRecords.Bundle first = new TrustRoots(BuiltInCertificateAuthority.open(directory, Clock.systemUTC()),
                new TrustRootRecords(db)).bundle(db, domain);
        var firstSeen = db.select(TRUST_ROOTS.FIRST_SEEN).from(TRUST_ROOTS).fetchSingle().value1();
        TrustRoots restarted = new TrustRoots(BuiltInCertificateAuthority.open(directory, Clock.systemUTC()),
                new TrustRootRecords(db));
        TrustRootRecords.Bundle again = restarted.bundle(db, domain);
        restarted.bundle(db, domain);

        assertThat(again).isEqualTo(first);
        assertThat(db.fetchCount(TRUST_ROOTS)).isEqualTo(1);
        assertThat(db.select(TRUST_ROOTS.FIRST_SEEN).from(TRUST_ROOTS).fetchSingle().value1()).isEqualTo(firstSeen);
    }

    @Test
    void theFirstRootACaPresentsSignsAndARetiredRootLeavesTheBundle() throws Exception {
        TestDatabase database = TestPostgres.newDatabase(getClass());
        Migrations.apply(database.dataSource());
        DSLContext db = DSL.using(database.dataSource(), SQLDialect.POSTGRES);
        BuiltInCertificateAuthority ca = BuiltInCertificateAuthority.open(Files.createTempDirectory("fedmesh-ca"),
                Clock.systemUTC());
        TrustDomain domain = TrustDomain.of("hooli.example.com");
        X509Certificate original = ca.roots(domain).get(0);
        TrustRoots roots = new TrustRoots(ca, new TrustRootRecords(db));
        roots.bundle(db, domain);

        X509Certificate created = ca.createRoot(domain);
        TrustRootRecords.recordCreated(db, domain, created);
        TrustRootRecords.Bundle both = roots.bundle(db, domain);
        db.update(TRUST_ROOTS).set(TRUST_ROOTS.RETIRED_AT, OffsetDateTime.now())
                .where(TRUST_ROOTS.SHA256.eq(CertificateFingerprint.sha256(original))).execute();
        db.update(TRUST_ROOTS).set(TRUST_ROOTS.SIGNING_SINCE, OffsetDateTime.now())
                .where(TRUST_ROOTS.SHA256.eq(CertificateFingerprint.sha256(created))).execute();
        TrustRootRecords.Bundle onlyNew = roots.bundle(db, domain);

        assertThat(both.rootsPem()).containsExactly(Pem.write(original), Pem.write(created));
        assertThat(both.signingRootSha256().toByteArray()).isEqualTo(CertificateFingerprint.sha256(original));
        assertThat(onlyNew.rootsPem()).containsExactly(Pem.write(created));
        assertThat(onlyNew.signingRootSha256().toByteArray()).isEqualTo(CertificateFingerprint.sha256(created));
    }

    private static DesiredConfig awaitConfig(String topicPrefix) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            Optional<DesiredConfig> latest = AgentRequests.latestConfig(topicPrefix, "hooli", "east");
            if (latest.isPresent() && latest.get().getTrust().getRootCertificatesPemCount() > 0) {
                return latest.get();
            }
            assertThat(System.nanoTime()).as("east's config on the desired topic; latest: " + latest).isLessThan(deadline);
            Thread.sleep(200);
        }
    }
}

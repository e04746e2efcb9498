package dev.fedmesh.distributor.trust;

import static dev.fedmesh.db.jooq.Tables.AUDIT_LOG;
import static dev.fedmesh.db.jooq.Tables.INTERMEDIATES;
import static dev.fedmesh.db.jooq.Tables.CLUSTERS;
import static dev.fedmesh.db.jooq.Tables.TENANTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fedmesh.db.Migrations;
import dev.fedmesh.testing.TestDatabase;
import dev.fedmesh.testing.TestPostgres;
import dev.fedmesh.trust.ca.BuiltInCertificateAuthority;
import dev.fedmesh.trust.ca.CertificateAuthority;
import dev.fedmesh.trust.ca.IntermediateSigningRequest;
import dev.fedmesh.trust.ca.SignedIntermediate;
import dev.fedmesh.trust.issuance.IntermediateIssuer;
import dev.fedmesh.trust.issuance.IntermediateOwner;
import dev.fedmesh.trust.issuance.IntermediateRefusedException;
import dev.fedmesh.trust.issuance.IntermediateTerms;
import dev.fedmesh.trust.issuance.IssuedIntermediate;
import dev.fedmesh.trust.spiffe.TrustDomain;
import dev.fedmesh.trust.x509.CertificateRequest;
import dev.fedmesh.trust.x509.KeyType;
import java.net.URI;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Intermediate issuance with its PostgreSQL store and audit: one certificate per key, whoever asks and however often. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IntermediateIssuanceOnPostgresTest {

    private static final TrustDomain ACME = TrustDomain.of("acme.fedmesh.dev");

    @TempDir
    Path caDirectory;

    private TestDatabase database;
    private DSLContext db;
    private IntermediateOwner east;

    /** The built-in CA counting its signatures; the first one can be held until a second instance waits for it. */
    private static final class ObservedCa implements CertificateAuthority {
        private final CertificateAuthority real;
        private final AtomicInteger signatures = new AtomicInteger();
        private final Runnable beforeFirstSignature;

        ObservedCa(CertificateAuthority real, Runnable beforeFirstSignature) {
            this.real = real;
            this.beforeFirstSignature = beforeFirstSignature;
        }

        @Override
        public SignedIntermediate signIntermediate(IntermediateSigningRequest request) {
            if (signatures.incrementAndGet() == 1) {
                beforeFirstSignature.run();
            }
            return real.signIntermediate(request);
        }

        @Override
        public List<X509Certificate> roots(TrustDomain trustDomain) {
            return real.roots(trustDomain);
        }

        @Override
        public boolean constrainsNames() {
            return true;
        }
    }

    @BeforeAll
    void migrate() {
        database = TestPostgres.newDatabase(getClass());
        Migrations.apply(database.dataSource());
        db = DSL.using(database.dataSource(), SQLDialect.POSTGRES);
        UUID tenantId = UUID.randomUUID();
        db.insertInto(TENANTS).set(TENANTS.ID, tenantId).set(TENANTS.NAME, "acme").set(TENANTS.REVISION, 3L).execute();
        db.insertInto(CLUSTERS).set(CLUSTERS.TENANT_ID, tenantId).set(CLUSTERS.NAME, "east").set(CLUSTERS.RESOURCE_VERSION, 3L)
                .execute();
        east = new IntermediateOwner(tenantId, "east", ACME);
    }

    @Test
    void twoControlPlaneInstancesAskingAtOnceGetTheSameSingleCertificate() throws Exception {
        KeyPair keys = KeyType.EC_P256.generate();
        CertificateRequest csr = CertificateRequest.create(keys, "east", List.of(URI.create("spiffe://acme.fedmesh.dev")), true);
        // The first signature waits until the other instance is blocked on the key's lock, so both are in flight at once.
        ObservedCa ca = new ObservedCa(BuiltInCertificateAuthority.open(caDirectory, Clock.systemUTC()), this::awaitABlockedAdvisoryLock);
        IntermediateIssuer first = issuer(ca);
        IntermediateIssuer second = issuer(ca);

        CompletableFuture<IssuedIntermediate> a = CompletableFuture.supplyAsync(() -> first.issue(east, csr));
        CompletableFuture<IssuedIntermediate> b = CompletableFuture.supplyAsync(() -> second.issue(east, csr));

        assertThat(a.get().signed().certificate()).isEqualTo(b.get().signed().certificate());
        assertThat(ca.signatures.get()).isEqualTo(1);
        assertThat(db.fetchCount(INTERMEDIATES, INTERMEDIATES.PUBLIC_KEY_SHA256.eq(csr.publicKeySha256()))).isEqualTo(1);
    }

    @Test
    void aRestartedControlPlaneReturnsTheCertificateItIssuedBefore() {
        KeyPair keys = KeyType.EC_P256.generate();
        ObservedCa ca = new ObservedCa(BuiltInCertificateAuthority.open(caDirectory, Clock.systemUTC()), () -> { });
        IssuedIntermediate before = issuer(ca).issue(east,
                CertificateRequest.create(keys, "east", List.of(ACME.id().toUri()), true));

        IssuedIntermediate after = issuer(ca).issue(east,
                CertificateRequest.create(keys, "east-after-restart", List.of(ACME.id().toUri()), true));

        assertThat(after.signed().chain()).isEqualTo(before.signed().chain());
        assertThat(after.owner()).isEqualTo(east);
        assertThat(ca.signatures.get()).isEqualTo(1);
    }

    @Test
    void aRefusedCsrIsInTheTenantsAuditLogAndNothingIsStored() {
        CertificateRequest foreign = CertificateRequest.create(KeyType.EC_P256.generate(), "east",
                List.of(URI.create("spiffe://globex.fedmesh.dev")), true);
        ObservedCa ca = new ObservedCa(BuiltInCertificateAuthority.open(caDirectory, Clock.systemUTC()), () -> { });

        assertThatThrownBy(() -> issuer(ca).issue(east, foreign)).isInstanceOf(IntermediateRefusedException.class);

        var entry = db.selectFrom(AUDIT_LOG).where(AUDIT_LOG.TENANT_ID.eq(east.tenantId()))
                .and(AUDIT_LOG.ACTION.eq("refuse")).fetchOne();
        assertThat(entry).isNotNull();
        assertThat(entry.getActor()).isEqualTo("cluster:east");
        assertThat(entry.getResourceKind()).isEqualTo("Intermediate");
        assertThat(entry.getResourceName()).isEqualTo("east");
        assertThat(entry.getRevision()).isEqualTo(3L);
        assertThat(entry.getAfter().data()).contains("\"code\": \"WRONG_URI_SAN\"").contains("spiffe://globex.fedmesh.dev");
        assertThat(db.fetchCount(INTERMEDIATES, INTERMEDIATES.PUBLIC_KEY_SHA256.eq(foreign.publicKeySha256()))).isZero();
        assertThat(ca.signatures.get()).isZero();
    }

    private IntermediateIssuer issuer(CertificateAuthority ca) {
        DSLContext instanceDb = DSL.using(database.dataSource(), SQLDialect.POSTGRES);
        return new IntermediateIssuer(ca, new PostgresIssuedIntermediates(instanceDb), new AuditLogRefusals(instanceDb),
                IntermediateTerms.DEFAULT, Clock.systemUTC());
    }

    private void awaitABlockedAdvisoryLock() {
        while (db.fetchCount(DSL.table("pg_locks"),
                DSL.field("locktype").eq("advisory").and(DSL.field("granted", Boolean.class).isFalse())
                        .and(DSL.field("database").eq(DSL.field("(SELECT oid FROM pg_database WHERE datname = current_database())"))))
                == 0) {
            Thread.onSpinWait();
        }
    }
}

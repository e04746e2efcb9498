package dev.fedmesh.distributor.trust;

import com.google.protobuf.ByteString;
import dev.fedmesh.db.Transactions;
import dev.fedmesh.db.jooq.tables.records.TrustRootsRecord;
import dev.fedmesh.trust.spiffe.TrustDomain;
import dev.fedmesh.trust.x509.CertificateFingerprint;
import dev.fedmesh.trust.x509.Pem;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

import java.security.cert.X509Certificate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static dev.fedmesh.db.jooq.Tables.TRUST_ROOTS;

/**
 * A trust domain's roots in table {@code trust_roots}: which are in the bundle every cluster gets
 * (not retired), and which signs new intermediates (the unretired one with the latest
 * {@code signing_since}). Recording is idempotent: a root already recorded keeps its row and its
 * {@code first_seen}.
 */
public final class TrustRootRecords {
    private static final Logger LOG = LoggerFactory.getLogger(TrustRootRecords.class);
    /** The two-key advisory lock space for making a trust domain's fresh root ("fr"). */
    private static final int FRESH_ROOT_LOCK_CLASS = 0x6672;
    private final DSLContext dsl;

    public TrustRootRecords(DSLContext dsl) {
        this.dsl = Objects.requireNonNull(dsl, "dsl");
    }

    /** A trust domain's bundle: its unretired roots, oldest first, and the root that signs. */
    public record Bundle(List<String> rootsPem, ByteString signingRootSha256) {
        public Bundle {
            rootsPem = List.copyOf(rootsPem);
            Objects.requireNonNull(signingRootSha256, "signingRootSha256");
        }
    }

    /**
     * Records the roots a CA presented for a trust domain it had none recorded for, in one
     * transaction; the first of them signs unless another root of the domain already does.
     */
    public void recordPresented(TrustDomain trustDomain, List<X509Certificate> roots) {
        dsl.transaction(configuration -> {
            for (X509Certificate root : roots) {
                insert(configuration.dsl(), trustDomain, root);
            }
            if (!roots.isEmpty()) {
                configuration.dsl().update(TRUST_ROOTS)
                        .set(TRUST_ROOTS.SIGNING_SINCE, DSL.currentOffsetDateTime())
                        .where(TRUST_ROOTS.TRUST_DOMAIN.eq(trustDomain.name()))
                        .and(TRUST_ROOTS.SHA256.eq(CertificateFingerprint.sha256(roots.get(0))))
                        .andNotExists(DSL.selectOne().from(TRUST_ROOTS)
                                .where(TRUST_ROOTS.TRUST_DOMAIN.eq(trustDomain.name()))
                                .and(TRUST_ROOTS.SIGNING_SINCE.isNotNull()))
                        .execute();
            }
        });
    }

    /**
     * The bundle of a trust domain whose every recorded root was retired with a deleted tenant: a
     * root {@code create} makes anew, recorded as the one root, signing, in place of the retired ones. Under a per-domain advisory
     * lock, after reading the records again, so that of two distributors only one has a root made;
     * the other gets that one.
     */
    public Bundle recordFresh(TrustDomain trustDomain, Function<TrustDomain, X509Certificate> create) {
        return Transactions.result(dsl, configuration -> {
            DSLContext tx = configuration.dsl();
            tx.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED");
            tx.select(DSL.field("pg_advisory_xact_lock({0}, {1})", Object.class, DSL.val(FRESH_ROOT_LOCK_CLASS),
                    DSL.val(trustDomain.name().hashCode()))).fetch();
            Optional<Bundle> meanwhile = bundle(tx, trustDomain);
            if (meanwhile.isPresent()) {
                return meanwhile.get();
            }
            X509Certificate root = create.apply(trustDomain);
            // The deleted tenant's roots are not the new tenant's, not even as retired ones it is shown.
            tx.deleteFrom(TRUST_ROOTS).where(TRUST_ROOTS.TRUST_DOMAIN.eq(trustDomain.name())).execute();
            insert(tx, trustDomain, root);
            tx.update(TRUST_ROOTS)
                    .set(TRUST_ROOTS.SIGNING_SINCE, DSL.currentOffsetDateTime())
                    .where(TRUST_ROOTS.TRUST_DOMAIN.eq(trustDomain.name()))
                    .and(TRUST_ROOTS.SHA256.eq(CertificateFingerprint.sha256(root)))
                    .execute();
            LOG.info("trust domain {} had only roots retired with a deleted tenant; a new root {} signs from now on",
                    trustDomain, CertificateFingerprint.sha256Hex(root));
            return new Bundle(List.of(Pem.write(root)), ByteString.copyFrom(CertificateFingerprint.sha256(root)));
        });
    }

    /** Whether the trust domain has roots recorded that were all taken out of the bundle (its tenant deleted). */
    public static boolean hasRetired(DSLContext tx, TrustDomain trustDomain) {
        return tx.fetchExists(TRUST_ROOTS, TRUST_ROOTS.TRUST_DOMAIN.eq(trustDomain.name())
                .and(TRUST_ROOTS.RETIRED_AT.isNotNull()));
    }

    /** Records a root made for a rotation, in {@code tx}: in the bundle, not signing. */
    public static void recordCreated(DSLContext tx, TrustDomain trustDomain, X509Certificate root) {
        insert(tx, trustDomain, root);
    }

    /** The trust domain's bundle as {@code tx} sees it; empty when no root of it is recorded. */
    public static Optional<Bundle> bundle(DSLContext tx, TrustDomain trustDomain) {
        List<TrustRootsRecord> rows = tx.selectFrom(TRUST_ROOTS)
                .where(TRUST_ROOTS.TRUST_DOMAIN.eq(trustDomain.name()))
                .and(TRUST_ROOTS.RETIRED_AT.isNull())
                .orderBy(TRUST_ROOTS.FIRST_SEEN, TRUST_ROOTS.SHA256)
                .fetch();
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        TrustRootsRecord signing = rows.stream()
                .filter(row -> row.getSigningSince() != null)
                .max((a, b) -> a.getSigningSince().compareTo(b.getSigningSince()))
                .orElse(rows.get(0));
        return Optional.of(new Bundle(rows.stream().map(TrustRootsRecord::getPem).toList(),
                ByteString.copyFrom(signing.getSha256())));
    }

    private static void insert(DSLContext tx, TrustDomain trustDomain, X509Certificate root) {
        tx.insertInto(TRUST_ROOTS)
                .set(TRUST_ROOTS.TRUST_DOMAIN, trustDomain.name())
                .set(TRUST_ROOTS.SHA256, CertificateFingerprint.sha256(root))
                .set(TRUST_ROOTS.PEM, Pem.write(root))
                .set(TRUST_ROOTS.NOT_BEFORE, root.getNotBefore().toInstant().atOffset(ZoneOffset.UTC))
                .set(TRUST_ROOTS.NOT_AFTER, root.getNotAfter().toInstant().atOffset(ZoneOffset.UTC))
                .onConflictDoNothing()
                .execute();
    }
}

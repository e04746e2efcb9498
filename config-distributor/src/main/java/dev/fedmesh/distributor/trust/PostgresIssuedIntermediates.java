package dev.fedmesh.distributor.trust;

import dev.fedmesh.trust.ca.SignedIntermediate;
import dev.fedmesh.trust.issuance.IntermediateOwner;
import dev.fedmesh.trust.issuance.IssuedIntermediate;
import dev.fedmesh.trust.issuance.IssuedIntermediates;
import dev.fedmesh.trust.spiffe.TrustDomain;
import dev.fedmesh.trust.x509.CertificateFingerprint;
import dev.fedmesh.trust.x509.Pem;
import dev.fedmesh.trust.x509.RootCertificate;
import java.nio.ByteBuffer;
import java.security.cert.X509Certificate;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

import static dev.fedmesh.db.jooq.Tables.INTERMEDIATES;

/**
 * Issued intermediates in PostgreSQL (table {@code intermediates}), shared by every control-plane
 * instance. Issuing for a key holds a transaction-scoped advisory lock on it: a second instance
 * asking for the same key waits, then reads the first one's certificate; the primary key on the
 * key's SHA-256 forbids a second row whatever happens. What else a new intermediate changes (the
 * tenant's revision, its outbox and audit) is written by {@link OnIssued} in the same transaction.
 *
 * <p><b>The CA signs once per key.</b> The transaction runs at READ COMMITTED whatever the pool
 * says: each statement after the lock sees what the lock's previous holder committed, so a second
 * instance finds the certificate rather than signing again; and nothing after the signature can fail
 * because of a concurrent write (an API write bumping the same tenant's revision waits for, or is
 * waited for by, this one, where REPEATABLE READ would fail it with a serialization failure after
 * the CA had signed). If storing fails all the same (PostgreSQL going away), the signed certificate
 * is kept in memory ({@link UnstoredCaResults}) and the next request for the key stores it instead
 * of having it signed again.
 */
public final class PostgresIssuedIntermediates implements IssuedIntermediates {

    /** Writes what a newly issued intermediate changes besides its own row, in the transaction that stores it. */
    @FunctionalInterface
    public interface OnIssued {
        OnIssued NOTHING = (tx, issued) -> { };

        void issued(DSLContext tx, IssuedIntermediate issued);
    }

    /**
     * The two-key advisory lock space ("fi" for fedmesh intermediates), apart from the one-key space
     * the outbox relay's per-tenant locks use, so the two never wait on each other.
     */
    private static final int LOCK_CLASS = 0x6669;

    private final DSLContext dsl;
    private final UnstoredCaResults<String, IssuedIntermediate> unstored;
    private final OnIssued onIssued;

    public PostgresIssuedIntermediates(DSLContext dsl) {
        this(dsl, OnIssued.NOTHING);
    }

    public PostgresIssuedIntermediates(DSLContext dsl, OnIssued onIssued) {
        this(dsl, new UnstoredCaResults<>(), onIssued);
    }

    /** A store keeping what the CA signed but could not be stored in {@code unstored}, one per distributor. */
    PostgresIssuedIntermediates(DSLContext dsl, UnstoredCaResults<String, IssuedIntermediate> unstored, OnIssued onIssued) {
        this.dsl = dsl;
        this.unstored = unstored;
        this.onIssued = onIssued;
    }

    @Override
    public IssuedIntermediate issueOnce(IntermediateOwner owner, byte[] publicKeySha256, Supplier<IssuedIntermediate> issue) {
        String key = HexFormat.of().formatHex(publicKeySha256);
        IssuedIntermediate result = dsl.transactionResult(configuration -> {
            DSLContext tx = configuration.dsl();
            tx.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED");
            tx.select(DSL.field("pg_advisory_xact_lock({0}, {1})", Object.class, DSL.val(LOCK_CLASS),
                    DSL.val(lockKey(publicKeySha256)))).fetch();
            var existing = tx.selectFrom(INTERMEDIATES).where(INTERMEDIATES.PUBLIC_KEY_SHA256.eq(publicKeySha256)).fetchOne();
            if (existing != null) {
                return new IssuedIntermediate(
                        new IntermediateOwner(existing.getTenantId(), existing.getCluster(), TrustDomain.of(existing.getTrustDomain())),
                        existing.getPublicKeySha256(), new SignedIntermediate(Pem.certificates(existing.getChainPem())));
            }
            Optional<IssuedIntermediate> signedBefore = unstored.find(key);
            if (signedBefore.isPresent() && !signedBefore.get().owner().equals(owner)) {
                // Signed for another cluster whose storing failed: this key is that cluster's, and the
                // issuer refuses the one asking now; the certificate waits for its owner's next request.
                return signedBefore.get();
            }
            IssuedIntermediate issued = signedBefore.orElseGet(() -> unstored.keep(key, issue.get()));
            tx.insertInto(INTERMEDIATES)
                    .set(INTERMEDIATES.PUBLIC_KEY_SHA256, publicKeySha256)
                    .set(INTERMEDIATES.TENANT_ID, owner.tenantId())
                    .set(INTERMEDIATES.CLUSTER, owner.cluster())
                    .set(INTERMEDIATES.TRUST_DOMAIN, owner.trustDomain().name())
                    .set(INTERMEDIATES.CHAIN_PEM, issued.signed().chainPem())
                    .set(INTERMEDIATES.NOT_AFTER, issued.signed().certificate().getNotAfter().toInstant().atOffset(ZoneOffset.UTC))
                    .set(INTERMEDIATES.ROOT_SHA256, rootSha256(issued.signed()))
                    .execute();
            onIssued.issued(tx, issued);
            return issued;
        });
        if (result.owner().equals(owner)) {
            unstored.stored(key);
        }
        return result;
    }

    /** The fingerprint of the root that ends the chain the CA returned; null when the chain stops short of it. */
    private static byte[] rootSha256(SignedIntermediate signed) {
        List<X509Certificate> chain = signed.chain();
        X509Certificate last = chain.get(chain.size() - 1);
        return chain.size() > 1 && RootCertificate.isRoot(last) ? CertificateFingerprint.sha256(last) : null;
    }

    /** The key within {@link #LOCK_CLASS}: the first 4 bytes of the SHA-256 (a collision only serialises two keys). */
    private static int lockKey(byte[] publicKeySha256) {
        return ByteBuffer.wrap(publicKeySha256, 0, Integer.BYTES).getInt();
    }
}

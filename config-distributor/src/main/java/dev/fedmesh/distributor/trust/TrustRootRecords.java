package dev.fedmesh.distributor.trust;

import dev.fedmesh.trust.spiffe.TrustDomain;
import dev.fedmesh.trust.x509.Pem;
import org.jooq.DSLContext;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Objects;

import static dev.fedmesh.db.jooq.Tables.TRUST_ROOTS;

/**
 * Records the roots a trust domain's CA presented in table {@code trust_roots}, for control-api's
 * expiry watch. Idempotent: a root already recorded keeps its row and its {@code first_seen}.
 */
public final class TrustRootRecords {
    private final DSLContext dsl;

    public TrustRootRecords(DSLContext dsl) {
        this.dsl = Objects.requireNonNull(dsl, "dsl");
    }

    /** Records each of {@code roots} under {@code trustDomain}, in one transaction. */
    public void record(TrustDomain trustDomain, List<X509Certificate> roots) {
        dsl.transaction(configuration -> {
            for (X509Certificate root : roots) {
                configuration.dsl().insertInto(TRUST_ROOTS)
                        .set(TRUST_ROOTS.TRUST_DOMAIN, trustDomain.name())
                        .set(TRUST_ROOTS.SHA256, sha256(root))
                        .set(TRUST_ROOTS.PEM, Pem.write(root))
                        .set(TRUST_ROOTS.NOT_BEFORE, root.getNotBefore().toInstant().atOffset(ZoneOffset.UTC))
                        .set(TRUST_ROOTS.NOT_AFTER, root.getNotAfter().toInstant().atOffset(ZoneOffset.UTC))
                        .onConflictDoNothing()
                        .execute();
            }
        });
    }

    private static byte[] sha256(X509Certificate certificate) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException("cannot fingerprint root " + certificate.getSubjectX500Principal(), e);
        }
    }
}

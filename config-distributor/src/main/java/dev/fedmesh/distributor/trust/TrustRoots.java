package dev.fedmesh.distributor.trust;

import com.google.protobuf.ByteString;
import dev.fedmesh.trust.ca.CertificateAuthority;
import dev.fedmesh.trust.ca.CertificateAuthorityException;
import dev.fedmesh.trust.spiffe.TrustDomain;
import dev.fedmesh.trust.x509.CertificateFingerprint;
import dev.fedmesh.trust.x509.Pem;
import org.jooq.DSLContext;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Each trust domain's bundle, as every publish of every tenant needs it: read from
 * {@code trust_roots} in the caller's transaction, so a config carries exactly the roots of its
 * revision (a root rotation changes them). The first time a trust domain is seen, the CA is asked
 * for its roots and they are recorded ({@link TrustRootRecords}), the first one signing; a
 * recording that fails is tried again on the next publish. A trust domain whose roots were all
 * retired with a deleted tenant gets a root the CA makes anew: a tenant created later in that
 * trust domain shares no root with the deleted one.
 */
public final class TrustRoots {

    private final CertificateAuthority ca;
    private final TrustRootRecords records;

    public TrustRoots(CertificateAuthority ca, TrustRootRecords records) {
        this.ca = Objects.requireNonNull(ca, "ca");
        this.records = Objects.requireNonNull(records, "records");
    }

    /**
     * The roots every cluster of {@code trustDomain} must trust now, and the root that signs, as {@code tx}
     * sees them; throws {@link CertificateAuthorityException} when they must come from the CA and it fails.
     */
    public TrustRootRecords.Bundle bundle(DSLContext tx, TrustDomain trustDomain) {
        return TrustRootRecords.bundle(tx, trustDomain).orElseGet(() -> TrustRootRecords.hasRetired(tx, trustDomain)
                ? records.recordFresh(trustDomain, this::created) : presentedBundle(trustDomain));
    }

    /** The roots the CA presents for a trust domain seen for the first time, recorded, the first one signing. */
    private TrustRootRecords.Bundle presentedBundle(TrustDomain trustDomain) {
        List<X509Certificate> roots = presented(trustDomain);
        if (roots.isEmpty()) {
            throw new CertificateAuthorityException("the CA " + ca + " presented no root for trust domain "
                    + trustDomain + ": give it a root (see docs/trust.md) before clusters of that trust domain can get"
                    + " identities");
        }
        records.recordPresented(trustDomain, roots);
        return new TrustRootRecords.Bundle(roots.stream().map(Pem::write).toList(),
                ByteString.copyFrom(CertificateFingerprint.sha256(roots.get(0))));
    }

    /** The CA's roots of the trust domain. */
    private List<X509Certificate> presented(TrustDomain trustDomain) {
        return fromCa(() -> ca.roots(trustDomain), "give the roots of trust domain " + trustDomain);
    }

    /** A new root the CA makes for the trust domain. */
    private X509Certificate created(TrustDomain trustDomain) {
        return fromCa(() -> ca.createRoot(trustDomain), "make a new root for trust domain " + trustDomain);
    }

    /** What the CA answers; whatever goes wrong in the CA's back end is a CA failure, saying what could not be done. */
    private <T> T fromCa(Supplier<T> call, String what) {
        try {
            return call.get();
        } catch (CertificateAuthorityException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CertificateAuthorityException("the CA " + ca + " could not " + what + ": " + e.getMessage(), e);
        }
    }

    /** The CA the roots come from. */
    public CertificateAuthority ca() {
        return ca;
    }
}

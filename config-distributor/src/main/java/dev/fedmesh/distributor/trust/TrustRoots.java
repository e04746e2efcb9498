package dev.fedmesh.distributor.trust;

import com.google.protobuf.ByteString;
import dev.fedmesh.trust.ca.CertificateAuthority;
import dev.fedmesh.trust.spiffe.TrustDomain;
import dev.fedmesh.trust.x509.CertificateFingerprint;
import dev.fedmesh.trust.x509.Pem;
import org.jooq.DSLContext;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

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

    /** The roots every cluster of {@code trustDomain} must trust now, and the root that signs, as {@code tx} sees them. */
    public TrustRootRecords.Bundle bundle(DSLContext tx, TrustDomain trustDomain) {
        return TrustRootRecords.bundle(tx, trustDomain).orElseGet(() -> TrustRootRecords.hasRetired(tx, trustDomain)
                ? records.recordFresh(trustDomain, ca::createRoot) : presented(trustDomain));
    }

    private TrustRootRecords.Bundle presented(TrustDomain trustDomain) {
        List<X509Certificate> roots = ca.roots(trustDomain);
        if (roots.isEmpty()) {
            throw new IllegalStateException("the CA " + ca + " presented no root for trust domain " + trustDomain
                    + ": give it a root (see docs/trust.md) before clusters of that trust domain can get identities");
        }
        records.recordPresented(trustDomain, roots);
        return new TrustRootRecords.Bundle(roots.stream().map(Pem::write).toList(),
                ByteString.copyFrom(CertificateFingerprint.sha256(roots.get(0))));
    }

    /** The CA the roots come from. */
    public CertificateAuthority ca() {
        return ca;
    }
}

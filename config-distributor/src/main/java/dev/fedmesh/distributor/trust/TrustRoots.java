package dev.fedmesh.distributor.trust;

import dev.fedmesh.trust.ca.CertificateAuthority;
import dev.fedmesh.trust.spiffe.TrustDomain;
import dev.fedmesh.trust.x509.Pem;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each trust domain's roots as PEM, asked of the CA once per trust domain and kept: roots change
 * only by a rotation, and every publish of every tenant needs them. Each load is recorded in
 * {@code trust_roots} ({@link TrustRootRecords}) before it is kept, so control-api can show the
 * roots' expiry; a load whose recording fails is not kept, and is tried again on the next publish.
 */
public final class TrustRoots {

    private final CertificateAuthority ca;
    private final Optional<TrustRootRecords> records;
    private final Map<TrustDomain, List<String>> cached = new ConcurrentHashMap<>();

    /** Roots kept in memory only, recorded nowhere. */
    public TrustRoots(CertificateAuthority ca) {
        this.ca = Objects.requireNonNull(ca, "ca");
        this.records = Optional.empty();
    }

    /** Roots recorded by {@code records} whenever a trust domain's are loaded. */
    public TrustRoots(CertificateAuthority ca, TrustRootRecords records) {
        this.ca = Objects.requireNonNull(ca, "ca");
        this.records = Optional.of(records);
    }

    /** The roots every cluster of {@code trustDomain} must trust, one PEM certificate each. */
    public List<String> pem(TrustDomain trustDomain) {
        return cached.computeIfAbsent(trustDomain, domain -> {
            List<X509Certificate> roots = ca.roots(domain);
            records.ifPresent(recorder -> recorder.record(domain, roots));
            return roots.stream().map(Pem::write).toList();
        });
    }

    /** The CA the roots come from. */
    public CertificateAuthority ca() {
        return ca;
    }
}

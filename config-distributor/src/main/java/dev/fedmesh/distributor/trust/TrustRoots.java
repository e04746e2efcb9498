package dev.fedmesh.distributor.trust;

import dev.fedmesh.trust.ca.CertificateAuthority;
import dev.fedmesh.trust.spiffe.TrustDomain;
import dev.fedmesh.trust.x509.Pem;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each trust domain's roots as PEM, asked of the CA once per trust domain and kept: roots change
 * only by a rotation, and every publish of every tenant needs them.
 */
public final class TrustRoots {

    private final CertificateAuthority ca;
    private final Map<TrustDomain, List<String>> cached = new ConcurrentHashMap<>();

    public TrustRoots(CertificateAuthority ca) {
        this.ca = Objects.requireNonNull(ca, "ca");
    }

    /** The roots every cluster of {@code trustDomain} must trust, one PEM certificate each. */
    public List<String> pem(TrustDomain trustDomain) {
        return cached.computeIfAbsent(trustDomain, domain -> ca.roots(domain).stream().map(Pem::write).toList());
    }

    /** The CA the roots come from. */
    public CertificateAuthority ca() {
        return ca;
    }
}

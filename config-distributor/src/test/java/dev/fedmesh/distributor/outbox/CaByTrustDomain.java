package dev.fedmesh.distributor.outbox;

import dev.fedmesh.trust.ca.CertificateAuthority;
import dev.fedmesh.trust.ca.IntermediateSigningRequest;
import dev.fedmesh.trust.ca.SignedIntermediate;
import dev.fedmesh.trust.spiffe.TrustDomain;

import java.security.cert.X509Certificate;
import java.util.List;

/**
 * One trust domain's CA calls go to {@code broken}, every other's to {@code working}: a CA back end
 * failing for one tenant only, as a Vault namespace or mount of that tenant's would.
 */
record CaByTrustDomain(CertificateAuthority working, TrustDomain brokenDomain, CertificateAuthority broken)
        implements CertificateAuthority {

    @Override
    public SignedIntermediate signIntermediate(IntermediateSigningRequest request) {
        return of(request.trustDomain()).signIntermediate(request);
    }

    @Override
    public List<X509Certificate> roots(TrustDomain trustDomain) {
        return of(trustDomain).roots(trustDomain);
    }

    @Override
    public X509Certificate createRoot(TrustDomain trustDomain) {
        return of(trustDomain).createRoot(trustDomain);
    }

    @Override
    public boolean constrainsNames() {
        return working.constrainsNames();
    }

    private CertificateAuthority of(TrustDomain trustDomain) {
        return trustDomain.equals(brokenDomain) ? broken : working;
    }
}

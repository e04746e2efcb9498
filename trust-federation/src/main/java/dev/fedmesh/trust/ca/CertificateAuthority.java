package dev.fedmesh.trust.ca;

import dev.fedmesh.trust.spiffe.TrustDomain;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * Where a trust domain's root lives and what signs the clusters' intermediates: Vault's PKI
 * secrets engine, or the built-in CA of the embedded default. Callers check a request before
 * handing it here; a back end signs what it is given.
 */
public interface CertificateAuthority {

    /** Signs the request's key as an intermediate CA of its trust domain. */
    SignedIntermediate signIntermediate(IntermediateSigningRequest request);

    /** The roots a cluster of {@code trustDomain} must trust now: more than one during a root rotation. */
    List<X509Certificate> roots(TrustDomain trustDomain);

    /** True when the intermediates it signs carry the name constraint {@code spiffe://<trust domain>}. */
    boolean constrainsNames();
}

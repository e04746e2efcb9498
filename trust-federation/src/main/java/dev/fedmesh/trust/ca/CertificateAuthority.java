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

    /**
     * Signs the request's key as an intermediate CA of its trust domain, under the root the request
     * names (or the default root); a root it does not hold is refused with a
     * {@link CertificateAuthorityException} naming its fingerprint.
     */
    SignedIntermediate signIntermediate(IntermediateSigningRequest request);

    /** The roots a cluster of {@code trustDomain} must trust now: more than one during a root rotation. */
    List<X509Certificate> roots(TrustDomain trustDomain);

    /**
     * Makes a new self-signed root for {@code trustDomain} beside the roots it holds, the first step of a
     * root rotation. The new root signs nothing until a request names it
     * ({@link IntermediateSigningRequest#underRoot}); {@link #roots} lists it from now on. A back end
     * that cannot make roots says so with a {@link CertificateAuthorityException}.
     */
    default X509Certificate createRoot(TrustDomain trustDomain) {
        throw new CertificateAuthorityException(this + " cannot create roots: use the built-in CA or Vault PKI for a"
                + " root rotation");
    }

    /** True when the intermediates it signs carry the name constraint {@code spiffe://<trust domain>}. */
    boolean constrainsNames();
}

package dev.fedmesh.trust.x509;

import dev.fedmesh.trust.spiffe.TrustDomain;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;

/**
 * An intermediate CA certificate for a trust domain, for the key of a CSR. What it says comes from
 * the issuer's decision, not from the CSR's requested extensions: URI SAN {@code spiffe://<trust
 * domain>}, the path length given, names constrained to the trust domain, validity cut at the
 * issuer's own expiry.
 */
public final class IntermediateCertificate {

    private IntermediateCertificate() {
    }

    public static X509Certificate fromRequest(CertificateRequest request, TrustDomain trustDomain, Instant notBefore,
            Duration ttl, int pathLength, X509Certificate issuer, PrivateKey issuerKey) {
        Instant notAfter = notBefore.plus(ttl);
        Instant issuerNotAfter = issuer.getNotAfter().toInstant();
        if (notAfter.isAfter(issuerNotAfter)) {
            notAfter = issuerNotAfter;
        }
        return CertificateBuilder.forKey(request.publicKey())
                .commonName("fedmesh intermediate " + trustDomain.name())
                .validity(notBefore, notAfter)
                .uriSan(trustDomain.id().toUri())
                .ca(pathLength)
                .permitUriHost(trustDomain.name())
                .signedBy(issuer, issuerKey);
    }
}

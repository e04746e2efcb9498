package dev.fedmesh.trust.x509;

import dev.fedmesh.trust.spiffe.TrustDomain;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;

/** A trust domain's self-signed root: CA without a path length limit, carrying {@code spiffe://<trust domain>}. */
public final class RootCertificate {

    private RootCertificate() {
    }

    /** A root named {@code fedmesh root <trust domain>}. */
    public static X509Certificate selfSigned(KeyPair keys, TrustDomain trustDomain, Instant notBefore, Duration ttl) {
        return selfSigned(keys, trustDomain, "fedmesh root " + trustDomain.name(), notBefore, ttl);
    }

    /** A root with subject {@code CN=<commonName>}: a root made beside another needs a subject of its own. */
    public static X509Certificate selfSigned(KeyPair keys, TrustDomain trustDomain, String commonName, Instant notBefore,
            Duration ttl) {
        return CertificateBuilder.forKey(keys.getPublic())
                .commonName(commonName)
                .validity(notBefore, notBefore.plus(ttl))
                .uriSan(trustDomain.id().toUri())
                .ca(null)
                .selfSigned(keys.getPrivate());
    }

    /** Whether {@code certificate} is a root: issued by itself and signed by its own key. */
    public static boolean isRoot(X509Certificate certificate) {
        if (!certificate.getSubjectX500Principal().equals(certificate.getIssuerX500Principal())) {
            return false;
        }
        try {
            certificate.verify(certificate.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}

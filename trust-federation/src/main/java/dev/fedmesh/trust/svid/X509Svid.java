package dev.fedmesh.trust.svid;

import dev.fedmesh.trust.spiffe.SpiffeId;
import dev.fedmesh.trust.x509.Pem;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A workload's X.509-SVID: its certificate and the intermediates up to (not including) the root,
 * which is in the trust bundle. Renewed at half its lifetime, so a failed renewal has the other
 * half to be retried.
 */
public record X509Svid(SpiffeId id, X509Certificate certificate, List<X509Certificate> intermediates) {

    public X509Svid {
        intermediates = List.copyOf(intermediates);
    }

    public Instant notBefore() {
        return certificate.getNotBefore().toInstant();
    }

    public Instant notAfter() {
        return certificate.getNotAfter().toInstant();
    }

    /** When to replace this SVID: half-way between notBefore and notAfter. */
    public Instant renewAt() {
        return renewalTime(certificate);
    }

    /** Half-way through {@code certificate}'s validity. */
    public static Instant renewalTime(X509Certificate certificate) {
        Instant notBefore = certificate.getNotBefore().toInstant();
        Duration lifetime = Duration.between(notBefore, certificate.getNotAfter().toInstant());
        return notBefore.plus(lifetime.dividedBy(2));
    }

    /** The certificate then its intermediates as PEM: what a TLS server or SDS sends as its chain. */
    public String chainPem() {
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(certificate);
        chain.addAll(intermediates);
        return Pem.write(chain);
    }
}

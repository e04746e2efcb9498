package dev.fedmesh.trust.svid;

import dev.fedmesh.trust.spiffe.SpiffeId;
import dev.fedmesh.trust.spiffe.TrustDomain;
import dev.fedmesh.trust.x509.CertificateBuilder;
import dev.fedmesh.trust.x509.KeyType;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;

/**
 * Issues workload X.509-SVIDs from a cluster's intermediate CA: SPIFFE ID as the only URI SAN,
 * not a CA, serverAuth and clientAuth, a configurable TTL that never runs past the intermediate.
 */
public final class SvidIssuer {

    private final TrustDomain trustDomain;
    private final PrivateKey intermediateKey;
    private final List<X509Certificate> intermediateChain;
    private final Duration ttl;

    /**
     * @param intermediateChain the intermediate whose key is {@code intermediateKey} first, then its
     *     issuers up to, not including, the root
     */
    public SvidIssuer(TrustDomain trustDomain, PrivateKey intermediateKey, List<X509Certificate> intermediateChain,
            Duration ttl) {
        this.trustDomain = Objects.requireNonNull(trustDomain, "trustDomain");
        this.intermediateKey = Objects.requireNonNull(intermediateKey, "intermediateKey");
        this.intermediateChain = List.copyOf(intermediateChain);
        if (this.intermediateChain.isEmpty() || this.intermediateChain.get(0).getBasicConstraints() < 0) {
            throw new IllegalArgumentException("the chain must start with the intermediate CA certificate that signs SVIDs");
        }
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("SVID TTL " + ttl + " must be positive, e.g. PT1H");
        }
        this.ttl = ttl;
    }

    /** An SVID for {@code id}'s holder of {@code workloadKey}, valid from {@code now}. */
    public X509Svid issue(SpiffeId id, PublicKey workloadKey, Instant now) {
        if (id.isTrustDomainId() || !id.memberOf(trustDomain)) {
            throw new IllegalArgumentException("cannot issue an SVID for " + id + ": this intermediate issues workload ids"
                    + " of " + trustDomain.id() + " only, e.g. " + trustDomain.workload("default", "default"));
        }
        X509Certificate intermediate = intermediateChain.get(0);
        Instant intermediateNotAfter = intermediate.getNotAfter().toInstant();
        if (!now.isBefore(intermediateNotAfter)) {
            throw new IllegalStateException("the intermediate CA of " + trustDomain + " expired at " + intermediateNotAfter
                    + ": it must be renewed before SVIDs can be issued");
        }
        Instant notAfter = now.plus(ttl).isAfter(intermediateNotAfter) ? intermediateNotAfter : now.plus(ttl);
        KeyType keyType = KeyType.of(workloadKey).orElseThrow(() -> new IllegalArgumentException(
                "the workload key of " + id + " is " + workloadKey.getAlgorithm() + ": use EC P-256, EC P-384 or RSA"));
        // RSA keys encipher the TLS 1.2 key exchange; EC keys take part in ECDH.
        int keyUsage = KeyUsage.digitalSignature
                | (keyType == KeyType.RSA ? KeyUsage.keyEncipherment : KeyUsage.keyAgreement);
        X509Certificate certificate = CertificateBuilder.forKey(workloadKey)
                .validity(now, notAfter)
                .uriSan(id.toUri())
                .keyUsage(keyUsage)
                .extendedKeyUsage(KeyPurposeId.id_kp_serverAuth)
                .extendedKeyUsage(KeyPurposeId.id_kp_clientAuth)
                .signedBy(intermediate, intermediateKey);
        return new X509Svid(id, certificate, intermediateChain);
    }

    public Duration ttl() {
        return ttl;
    }
}

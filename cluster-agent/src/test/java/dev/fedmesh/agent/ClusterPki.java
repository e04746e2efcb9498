package dev.fedmesh.agent;

import dev.fedmesh.trust.ca.BuiltInCertificateAuthority;
import dev.fedmesh.trust.ca.IntermediateSigningRequest;
import dev.fedmesh.trust.ca.SignedIntermediate;
import dev.fedmesh.trust.spiffe.TrustDomain;
import dev.fedmesh.trust.svid.SvidIssuer;
import dev.fedmesh.trust.x509.CertificateRequest;
import dev.fedmesh.trust.x509.KeyType;
import dev.fedmesh.trust.x509.Pem;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * A tenant's PKI for the data-plane and workload identity tests, built the way clusters get
 * theirs: the built-in CA holds the trust domain's root, and each cluster's agent makes its own
 * intermediate key, of which only a CSR is signed.
 */
public final class ClusterPki {

    private final TrustDomain trustDomain;
    private final BuiltInCertificateAuthority ca;

    public ClusterPki(Path directory, String trustDomain) {
        this.trustDomain = TrustDomain.of(trustDomain);
        this.ca = BuiltInCertificateAuthority.open(directory, Clock.systemUTC());
    }

    public TrustDomain trustDomain() {
        return trustDomain;
    }

    public List<X509Certificate> roots() {
        return ca.roots(trustDomain);
    }

    public String rootsPem() {
        return Pem.write(roots());
    }

    /** The SVID issuer of a cluster: a fresh intermediate key whose CSR the tenant's root signs. */
    public SvidIssuer clusterIssuer(String cluster) {
        KeyPair keys = KeyType.EC_P256.generate();
        CertificateRequest csr = CertificateRequest.create(keys, "fedmesh agent " + cluster, List.of(), true);
        SignedIntermediate intermediate = ca.signIntermediate(
                IntermediateSigningRequest.leavesOnly(trustDomain, csr, Duration.ofDays(1)));
        return new SvidIssuer(trustDomain, keys.getPrivate(), List.of(intermediate.certificate()), Duration.ofHours(1));
    }
}

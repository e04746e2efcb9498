package dev.fedmesh.agent.trust;

import dev.fedmesh.trust.spiffe.SpiffeId;
import dev.fedmesh.trust.spiffe.TrustDomain;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * The agent's own SVID, {@code spiffe://<trust domain>/fedmesh/agent/<cluster>}, issued from the
 * cluster's intermediate and kept in memory only: its chain (the SVID first), its key, and the trust
 * bundle to check workloads against. The agent presents it when it health-checks STRICT mTLS workloads.
 */
public record AgentSvid(SpiffeId id, List<X509Certificate> chain, PrivateKey key, TrustDomain trustDomain,
                        List<X509Certificate> bundle, Instant notAfter) {

    public AgentSvid {
        chain = List.copyOf(chain);
        bundle = List.copyOf(bundle);
    }

    @Override
    public String toString() {
        return "AgentSvid[" + id + ", valid until " + notAfter + "]"; // never the key
    }
}

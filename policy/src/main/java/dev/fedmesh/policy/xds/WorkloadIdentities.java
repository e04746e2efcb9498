package dev.fedmesh.policy.xds;

import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;

/**
 * The workload identity convention, and matchers on it for the peer certificate's URI SAN: a
 * workload's SVID carries {@code spiffe://<trust domain>/ns/<namespace>/sa/<service account>}, and
 * the workloads of a mesh service run under the service account named after the service (in
 * whichever namespace). A cluster is not part of the identity, so no certificate says which
 * cluster its workload runs in.
 *
 * <p>An empty trust domain (a config compiled without one) matches any trust domain; the trust
 * bundle the peer's chain must validate against still confines peers to the tenant's roots.
 */
public final class WorkloadIdentities {

    private static final String SEGMENT = "[^/]+";
    private static final String AGENT_PATH = "/fedmesh/agent/";

    private WorkloadIdentities() {
    }

    /** The SPIFFE id of a workload running as {@code serviceAccount} in {@code namespace}. */
    public static String spiffeId(String trustDomain, String namespace, String serviceAccount) {
        return "spiffe://" + trustDomain + "/ns/" + namespace + "/sa/" + serviceAccount;
    }

    /**
     * The SPIFFE id of {@code cluster}'s agent, which it presents when it health-checks the cluster's
     * STRICT mTLS workloads. Outside the {@code /ns/<namespace>/sa/<account>} layout, so no
     * {@code service} or {@code namespace} source of a TrafficPermission names it.
     */
    public static String agentId(String trustDomain, String cluster) {
        return "spiffe://" + trustDomain + AGENT_PATH + cluster;
    }

    /** Any cluster's agent ({@link #agentId}). */
    public static StringMatcher ofAgents(String trustDomain) {
        return regex(domain(trustDomain) + AGENT_PATH + SEGMENT);
    }

    /** Exactly this SPIFFE id. */
    public static StringMatcher exactly(String spiffeId) {
        return StringMatcher.newBuilder().setExact(spiffeId).build();
    }

    /** Any workload of the service, in any namespace. */
    public static StringMatcher ofService(String trustDomain, String service) {
        return regex(domain(trustDomain) + "/ns/" + SEGMENT + "/sa/" + literal(service));
    }

    /** Any workload of the namespace, whatever its service account. */
    public static StringMatcher ofNamespace(String trustDomain, String namespace) {
        return regex(domain(trustDomain) + "/ns/" + literal(namespace) + "/sa/" + SEGMENT);
    }

    private static String domain(String trustDomain) {
        return "spiffe://" + (trustDomain.isEmpty() ? SEGMENT : literal(trustDomain));
    }

    /** The name as an RE2 literal: every ASCII punctuation character but '-' and '_' escaped (RE2 reads an escaped punctuation character as itself). */
    static String literal(String name) {
        StringBuilder out = new StringBuilder(name.length() + 8);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 128 && !Character.isLetterOrDigit(c) && c != '_' && c != '-' && c > ' ') {
                out.append('\\');
            }
            out.append(c);
        }
        return out.toString();
    }

    /** RE2, matched against the whole SAN by both Envoy and gRPC. */
    private static StringMatcher regex(String regex) {
        return StringMatcher.newBuilder().setSafeRegex(RegexMatcher.newBuilder().setRegex(regex)).build();
    }
}

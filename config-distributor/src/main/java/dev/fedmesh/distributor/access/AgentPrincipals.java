package dev.fedmesh.distributor.access;

import java.util.Optional;

/**
 * The Kafka user name of each cluster's agent, {@code <topicPrefix>-agent.<tenant>.<cluster>}
 * ({@code fedmesh-agent.acme.east} with the default prefix). The topic prefix is part of it so
 * that fedmesh installations sharing one Kafka never share a principal. Tenant names hold no '.',
 * so a name tells its tenant apart from its cluster.
 */
public record AgentPrincipals(String topicPrefix) {

    public AgentPrincipals {
        if (topicPrefix == null || topicPrefix.isBlank()) {
            throw new IllegalArgumentException("a topic prefix is needed to name agents' principals");
        }
    }

    /** The SCRAM user name of the agent of {@code cluster} in {@code tenant}. */
    public String username(String tenant, String cluster) {
        return tenantPrefix(tenant) + cluster;
    }

    /** The ACL principal of that agent, e.g. {@code User:fedmesh-agent.acme.east}. */
    public String principal(String tenant, String cluster) {
        return "User:" + username(tenant, cluster);
    }

    /** The cluster an agent principal of {@code tenant} stands for; empty for any other principal. */
    public Optional<String> clusterOf(String tenant, String principal) {
        String prefix = "User:" + tenantPrefix(tenant);
        if (!principal.startsWith(prefix) || principal.length() == prefix.length()) {
            return Optional.empty();
        }
        return Optional.of(principal.substring(prefix.length()));
    }

    private String tenantPrefix(String tenant) {
        return topicPrefix + "-agent." + tenant + ".";
    }
}

package dev.fedmesh.distributor.access;

import dev.fedmesh.policy.document.Names;

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

    /**
     * The tenant and cluster a SCRAM user name stands for, when it is an agent of this installation;
     * empty for any other user (another prefix's agents, the distributor, anyone else).
     */
    public Optional<Agent> agentOfUsername(String username) {
        String prefix = topicPrefix + "-agent.";
        if (!username.startsWith(prefix)) {
            return Optional.empty();
        }
        String rest = username.substring(prefix.length());
        int dot = rest.indexOf('.');
        if (dot < 0) {
            return Optional.empty();
        }
        String tenant = rest.substring(0, dot);
        String cluster = rest.substring(dot + 1);
        return Names.isValid(tenant) && Names.isValid(cluster) ? Optional.of(new Agent(tenant, cluster)) : Optional.empty();
    }

    /** As {@link #agentOfUsername}, for an ACL principal ({@code User:<username>}). */
    public Optional<Agent> agentOf(String principal) {
        return principal.startsWith("User:") ? agentOfUsername(principal.substring("User:".length())) : Optional.empty();
    }

    /** One cluster's agent, named by its tenant and cluster. */
    public record Agent(String tenant, String cluster) {
    }

    private String tenantPrefix(String tenant) {
        return topicPrefix + "-agent." + tenant + ".";
    }
}

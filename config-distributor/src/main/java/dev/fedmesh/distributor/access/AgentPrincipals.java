package dev.fedmesh.distributor.access;

import dev.fedmesh.api.KafkaTopics;
import dev.fedmesh.policy.document.Names;
import dev.fedmesh.trust.credential.ClusterCredentialKeys;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The Kafka user name of each cluster's agent, {@code <topicPrefix>-agent.<tenant>.<cluster>.<credential id>}
 * ({@code fedmesh-agent.acme.east.3f9c0b1d2e4a} with the default prefix), where the credential id
 * names the cluster's current bootstrap credential ({@link ClusterCredentialKeys#id()}). The topic
 * prefix is part of it so that fedmesh installations sharing one Kafka never share a principal; the
 * credential id, so that a re-issued credential, or a cluster deleted and registered again, is a
 * new principal, and taking the old one's ACLs cuts off even its open connections. Tenant and
 * cluster names hold no '.', so a name tells its parts apart.
 */
public record AgentPrincipals(String topicPrefix) {

    private static final Pattern CREDENTIAL_ID = Pattern.compile("[0-9a-f]{" + ClusterCredentialKeys.ID_LENGTH + "}");

    public AgentPrincipals {
        if (topicPrefix == null || topicPrefix.isBlank()) {
            throw new IllegalArgumentException("a topic prefix is needed to name agents' principals");
        }
    }

    /**
     * One cluster's agent under one credential. {@code credentialId} is empty for an agent user of
     * an earlier release, named without one: never a current agent, so its access is taken.
     */
    public record Agent(String tenant, String cluster, String credentialId) {
    }

    /** The agent of {@code cluster} in {@code tenant} holding the credential {@code keys} derive from. */
    public static Agent agent(String tenant, String cluster, ClusterCredentialKeys keys) {
        return new Agent(tenant, cluster, keys.id());
    }

    /** The SCRAM user name of {@code agent}. */
    public String username(Agent agent) {
        return agent.credentialId().isEmpty() ? topicPrefix + "-agent." + agent.tenant() + "." + agent.cluster()
                : KafkaTopics.agentUsername(topicPrefix, agent.tenant(), agent.cluster(), agent.credentialId());
    }

    /** The ACL principal of {@code agent}, e.g. {@code User:fedmesh-agent.acme.east.3f9c0b1d2e4a}. */
    public String principal(Agent agent) {
        return "User:" + username(agent);
    }

    /**
     * The agent a SCRAM user name stands for, when it is an agent of this installation; empty for
     * any other user (another prefix's agents, the distributor, anyone else).
     */
    public Optional<Agent> agentOfUsername(String username) {
        String prefix = topicPrefix + "-agent.";
        if (!username.startsWith(prefix)) {
            return Optional.empty();
        }
        String[] parts = username.substring(prefix.length()).split("\\.", -1);
        if (parts.length < 2 || parts.length > 3 || !Names.isValid(parts[0]) || !Names.isValid(parts[1])) {
            return Optional.empty();
        }
        if (parts.length == 3 && !CREDENTIAL_ID.matcher(parts[2]).matches()) {
            return Optional.empty();
        }
        return Optional.of(new Agent(parts[0], parts[1], parts.length == 3 ? parts[2] : ""));
    }

    /** As {@link #agentOfUsername}, for an ACL principal ({@code User:<username>}). */
    public Optional<Agent> agentOf(String principal) {
        return principal.startsWith("User:") ? agentOfUsername(principal.substring("User:".length())) : Optional.empty();
    }
}

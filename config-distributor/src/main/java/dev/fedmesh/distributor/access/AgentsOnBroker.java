package dev.fedmesh.distributor.access;

import dev.fedmesh.distributor.access.AgentPrincipals.Agent;
import org.apache.kafka.clients.admin.ScramMechanism;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What the broker holds for this installation's agents, read in one look: the agents holding any
 * ACL, and the SCRAM mechanisms each agent user has a credential for.
 */
public record AgentsOnBroker(Set<Agent> withAcls, Map<Agent, Set<ScramMechanism>> credentials) {

    public AgentsOnBroker {
        withAcls = Set.copyOf(withAcls);
        credentials = Map.copyOf(credentials);
    }

    /** Every agent holding an ACL or a credential. */
    public Set<Agent> agents() {
        Set<Agent> agents = new HashSet<>(withAcls);
        agents.addAll(credentials.keySet());
        return agents;
    }

    /** Every tenant with an agent holding an ACL or a credential. */
    public SortedSet<String> tenants() {
        SortedSet<String> tenants = new TreeSet<>();
        agents().forEach(agent -> tenants.add(agent.tenant()));
        return tenants;
    }

    /** Whether {@code agent} holds any ACL. */
    public boolean hasAcls(Agent agent) {
        return withAcls.contains(agent);
    }
}

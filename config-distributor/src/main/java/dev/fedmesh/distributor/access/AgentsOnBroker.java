package dev.fedmesh.distributor.access;

import org.apache.kafka.clients.admin.ScramMechanism;

import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What the broker holds for this installation's agents, read in one look: per tenant, the clusters
 * whose agent holds any ACL, and the SCRAM mechanisms each agent has a credential for.
 */
public record AgentsOnBroker(Map<String, SortedSet<String>> clustersWithAcls,
                             Map<AgentPrincipals.Agent, Set<ScramMechanism>> credentials) {

    public AgentsOnBroker {
        clustersWithAcls = Map.copyOf(clustersWithAcls);
        credentials = Map.copyOf(credentials);
    }

    /** Every tenant with an agent holding an ACL or a credential. */
    public SortedSet<String> tenants() {
        SortedSet<String> tenants = new TreeSet<>(clustersWithAcls.keySet());
        credentials.keySet().forEach(agent -> tenants.add(agent.tenant()));
        return tenants;
    }

    /** The clusters of {@code tenant} whose agent holds an ACL or a credential. */
    public SortedSet<String> clustersOf(String tenant) {
        SortedSet<String> clusters = new TreeSet<>(clustersWithAcls.getOrDefault(tenant, new TreeSet<>()));
        credentials.keySet().stream().filter(agent -> agent.tenant().equals(tenant)).forEach(agent -> clusters.add(agent.cluster()));
        return clusters;
    }

    /** Whether the agent of {@code cluster} in {@code tenant} holds any ACL. */
    public boolean hasAcls(String tenant, String cluster) {
        return clustersWithAcls.getOrDefault(tenant, new TreeSet<>()).contains(cluster);
    }
}

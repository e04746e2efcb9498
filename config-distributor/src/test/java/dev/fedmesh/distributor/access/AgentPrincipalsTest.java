package dev.fedmesh.distributor.access;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class AgentPrincipalsTest {

    private final AgentPrincipals principals = new AgentPrincipals("fedmesh");

    @Test
    void anAgentIsNamedAfterItsTenantAndCluster() {
        assertThat(principals.username("acme", "east")).isEqualTo("fedmesh-agent.acme.east");
        assertThat(principals.principal("acme", "east")).isEqualTo("User:fedmesh-agent.acme.east");
    }

    @Test
    void anotherInstallationsAgentsHaveOtherNames() {
        assertThat(new AgentPrincipals("staging").username("acme", "east")).isEqualTo("staging-agent.acme.east");
    }

    @Test
    void onlyTheTenantsOwnAgentsAreRecognisedAsItsClusters() {
        assertThat(principals.clusterOf("acme", "User:fedmesh-agent.acme.east")).contains("east");
        assertThat(principals.clusterOf("acme", "User:fedmesh-agent.acme-eu.east")).isEmpty();
        assertThat(principals.clusterOf("acme", "User:staging-agent.acme.east")).isEmpty();
        assertThat(principals.clusterOf("acme", "User:fedmesh-agent.acme.")).isEmpty();
        assertThat(principals.clusterOf("acme", "User:fedmesh-distributor")).isEmpty();
    }

    @Test
    void aSweepTellsThisInstallationsAgentsApartFromEveryOtherUser() {
        assertThat(principals.agentOf("User:fedmesh-agent.acme.east")).contains(new AgentPrincipals.Agent("acme", "east"));
        assertThat(principals.agentOfUsername("fedmesh-agent.acme-eu.west")).contains(new AgentPrincipals.Agent("acme-eu", "west"));
        assertThat(principals.agentOf("User:staging-agent.acme.east")).isEmpty();
        assertThat(principals.agentOf("User:fedmesh-distributor")).isEmpty();
        assertThat(principals.agentOf("User:fedmesh-agent.acme")).isEmpty();
        assertThat(principals.agentOf("User:fedmesh-agent.acme.east.extra")).isEmpty();
        assertThat(principals.agentOf("User:fedmesh-agent.Acme.east")).isEmpty();
        assertThat(principals.agentOf("Group:fedmesh-agent.acme.east")).isEmpty();
        assertThat(new AgentPrincipals("fedmesh-agent.acme").agentOf("User:fedmesh-agent.acme-agent.x.y"))
                .contains(new AgentPrincipals.Agent("x", "y"));
        assertThat(principals.agentOf("User:fedmesh-agent.acme-agent.x.y")).isEmpty();
    }
}

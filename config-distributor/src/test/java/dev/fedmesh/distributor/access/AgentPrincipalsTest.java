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
}

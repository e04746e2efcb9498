package dev.fedmesh.distributor.access;

import dev.fedmesh.distributor.access.AgentPrincipals.Agent;
import dev.fedmesh.trust.credential.ClusterCredentialKeys;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class AgentPrincipalsTest {

    private final AgentPrincipals principals = new AgentPrincipals("fedmesh");

    @Test
    void anAgentIsNamedAfterItsTenantClusterAndCredential() {
        Agent east = new Agent("acme", "east", "3f9c0b1d2e4a");

        assertThat(principals.username(east)).isEqualTo("fedmesh-agent.acme.east.3f9c0b1d2e4a");
        assertThat(principals.principal(east)).isEqualTo("User:fedmesh-agent.acme.east.3f9c0b1d2e4a");
    }

    @Test
    void aReissuedCredentialIsAnotherAgent() {
        Agent before = AgentPrincipals.agent("acme", "east", ClusterCredentialKeys.ofCredential("fmb_first"));
        Agent after = AgentPrincipals.agent("acme", "east", ClusterCredentialKeys.ofCredential("fmb_second"));

        assertThat(principals.username(before)).isNotEqualTo(principals.username(after));
        assertThat(principals.agentOfUsername(principals.username(before))).contains(before);
    }

    @Test
    void anotherInstallationsAgentsHaveOtherNames() {
        assertThat(new AgentPrincipals("staging").username(new Agent("acme", "east", "3f9c0b1d2e4a")))
                .isEqualTo("staging-agent.acme.east.3f9c0b1d2e4a");
    }

    @Test
    void aSweepTellsThisInstallationsAgentsApartFromEveryOtherUser() {
        assertThat(principals.agentOf("User:fedmesh-agent.acme.east.3f9c0b1d2e4a"))
                .contains(new Agent("acme", "east", "3f9c0b1d2e4a"));
        assertThat(principals.agentOfUsername("fedmesh-agent.acme-eu.west.000000000000"))
                .contains(new Agent("acme-eu", "west", "000000000000"));
        assertThat(principals.agentOf("User:staging-agent.acme.east.3f9c0b1d2e4a")).isEmpty();
        assertThat(principals.agentOf("User:fedmesh-distributor")).isEmpty();
        assertThat(principals.agentOf("User:fedmesh-agent.acme")).isEmpty();
        assertThat(principals.agentOf("User:fedmesh-agent.acme.east.not-an-id")).isEmpty();
        assertThat(principals.agentOf("User:fedmesh-agent.acme.east.3f9c0b1d2e4a.extra")).isEmpty();
        assertThat(principals.agentOf("User:fedmesh-agent.Acme.east.3f9c0b1d2e4a")).isEmpty();
        assertThat(principals.agentOf("Group:fedmesh-agent.acme.east.3f9c0b1d2e4a")).isEmpty();
    }

    @Test
    void anAgentUserOfAnEarlierReleaseIsRecognisedSoThatItsAccessIsTaken() {
        Agent legacy = principals.agentOf("User:fedmesh-agent.acme.east").orElseThrow();

        assertThat(legacy).isEqualTo(new Agent("acme", "east", ""));
        assertThat(principals.username(legacy)).isEqualTo("fedmesh-agent.acme.east");
    }
}

package dev.fedmesh.distributor.access;

import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

class AgentAclsTest {

    @Test
    void anAgentMayReadItsTenantsDesiredAndInventoryTopicsAndWriteItsStatusTopicAndNothingElse() {
        List<AclBinding> bindings = AgentAcls.of("fedmesh", "acme", "User:fedmesh-agent.acme.east");

        assertThat(bindings)
                .extracting(binding -> binding.pattern().resourceType(), binding -> binding.pattern().name(),
                        binding -> binding.pattern().patternType(), binding -> binding.entry().operation())
                .containsExactlyInAnyOrder(
                        tuple(ResourceType.TOPIC, "fedmesh.acme.desired", PatternType.LITERAL, AclOperation.READ),
                        tuple(ResourceType.TOPIC, "fedmesh.acme.desired", PatternType.LITERAL, AclOperation.DESCRIBE),
                        tuple(ResourceType.TOPIC, "fedmesh.acme.inventory", PatternType.LITERAL, AclOperation.READ),
                        tuple(ResourceType.TOPIC, "fedmesh.acme.inventory", PatternType.LITERAL, AclOperation.DESCRIBE),
                        tuple(ResourceType.TOPIC, "fedmesh.acme.status", PatternType.LITERAL, AclOperation.WRITE),
                        tuple(ResourceType.TOPIC, "fedmesh.acme.status", PatternType.LITERAL, AclOperation.DESCRIBE));
        assertThat(bindings).allSatisfy(binding -> {
            assertThat(binding.entry().principal()).isEqualTo("User:fedmesh-agent.acme.east");
            assertThat(binding.entry().permissionType()).isEqualTo(AclPermissionType.ALLOW);
            assertThat(binding.entry().host()).isEqualTo("*");
        });
        assertThat(bindings).as("only the control plane writes the inventory topic")
                .noneMatch(binding -> binding.pattern().name().equals("fedmesh.acme.inventory")
                        && binding.entry().operation() != AclOperation.READ
                        && binding.entry().operation() != AclOperation.DESCRIBE);
    }

    @Test
    void removingAClusterMatchesEveryBindingOfItsAgentAndNoOneElses() {
        var filter = AgentAcls.allOf("User:fedmesh-agent.acme.east");

        assertThat(AgentAcls.of("fedmesh", "acme", "User:fedmesh-agent.acme.east")).allMatch(filter::matches);
        assertThat(AgentAcls.of("fedmesh", "acme", "User:fedmesh-agent.acme.west")).noneMatch(filter::matches);
    }

    @Test
    void theTenantsDesiredTopicFilterFindsItsAgentsOnly() {
        var filter = AgentAcls.onDesiredTopic("fedmesh", "acme");

        assertThat(AgentAcls.of("fedmesh", "acme", "User:fedmesh-agent.acme.east")).filteredOn(filter::matches)
                .hasSize(2);
        assertThat(AgentAcls.of("fedmesh", "acme-eu", "User:fedmesh-agent.acme-eu.east")).noneMatch(filter::matches);
    }
}

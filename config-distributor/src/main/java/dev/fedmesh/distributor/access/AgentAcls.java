package dev.fedmesh.distributor.access;

import dev.fedmesh.api.KafkaTopics;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;

import java.util.List;

/**
 * The only Kafka rights an agent gets: READ and DESCRIBE on its tenant's desired and inventory
 * topics (it reads without a consumer group, so no group ACL), WRITE and DESCRIBE on its tenant's
 * status topic (WRITE also allows its idempotent producer). Every topic by literal name, from any
 * host. No agent may write the inventory topic: only the control plane republishes there what it
 * authenticated, so one cluster's agent cannot speak for another.
 */
public final class AgentAcls {

    private AgentAcls() {
    }

    /** The ACL bindings of one cluster's agent. */
    public static List<AclBinding> of(String topicPrefix, String tenant, String principal) {
        String desired = KafkaTopics.desired(topicPrefix, tenant);
        String status = KafkaTopics.status(topicPrefix, tenant);
        String inventory = KafkaTopics.inventory(topicPrefix, tenant);
        return List.of(
                allow(desired, principal, AclOperation.READ),
                allow(desired, principal, AclOperation.DESCRIBE),
                allow(inventory, principal, AclOperation.READ),
                allow(inventory, principal, AclOperation.DESCRIBE),
                allow(status, principal, AclOperation.WRITE),
                allow(status, principal, AclOperation.DESCRIBE));
    }

    /** Every ACL binding of {@code principal}, on any resource: what is removed with its cluster. */
    public static AclBindingFilter allOf(String principal) {
        return new AclBindingFilter(ResourcePatternFilter.ANY,
                new AccessControlEntryFilter(principal, null, AclOperation.ANY, AclPermissionType.ANY));
    }

    /** Every ACL binding on the tenant's desired topic, whoever holds it: who was given access before. */
    public static AclBindingFilter onDesiredTopic(String topicPrefix, String tenant) {
        return new AclBindingFilter(
                new ResourcePatternFilter(ResourceType.TOPIC, KafkaTopics.desired(topicPrefix, tenant), PatternType.LITERAL),
                AccessControlEntryFilter.ANY);
    }

    private static AclBinding allow(String topic, String principal, AclOperation operation) {
        return new AclBinding(new ResourcePattern(ResourceType.TOPIC, topic, PatternType.LITERAL),
                new AccessControlEntry(principal, "*", operation, AclPermissionType.ALLOW));
    }
}

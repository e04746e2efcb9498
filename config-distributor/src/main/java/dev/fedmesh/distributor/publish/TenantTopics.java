package dev.fedmesh.distributor.publish;

import dev.fedmesh.api.KafkaTopics;
import dev.fedmesh.distributor.KafkaCalls;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A tenant's pair of topics on the brokers: created compacted before its first publish, and
 * deleted once the tenant is (by the sweep, see {@code AgentAccessSweep}).
 *
 * <p>What was created is remembered by tenant <em>id</em>, not name: a tenant deleted and created
 * again under the same name has a new id, so its topics are created again (the old ones having
 * been deleted with the old tenant) rather than left to a broker that would create them with its
 * defaults, not compacted. A failed publish forgets its tenant, so the next one checks again.
 */
public final class TenantTopics {
    private static final Logger LOG = LoggerFactory.getLogger(TenantTopics.class);
    private static final long TIMEOUT_SECONDS = 30;
    private static final Duration GONE_PATIENCE = Duration.ofSeconds(30);

    private final Admin admin;
    private final String prefix;
    private final int desiredPartitions;
    private final short replicationFactor;
    private final Set<UUID> created = ConcurrentHashMap.newKeySet();

    /** The topics under {@code prefix}, created with {@code desiredPartitions} desired partitions, through {@code admin}. */
    public TenantTopics(Admin admin, String prefix, int desiredPartitions, short replicationFactor) {
        this.admin = admin;
        this.prefix = prefix;
        this.desiredPartitions = desiredPartitions;
        this.replicationFactor = replicationFactor;
    }

    /**
     * Creates the tenant's desired topic ({@code desiredPartitions} partitions) and status topic (one
     * partition: distributors share the status topics of many tenants), both compacted, unless this
     * distributor did for this tenant id already; an existing topic keeps its own settings.
     */
    void ensure(UUID tenantId, String tenant) {
        if (created.contains(tenantId)) {
            return;
        }
        create(KafkaTopics.desired(prefix, tenant), desiredPartitions);
        create(KafkaTopics.status(prefix, tenant), 1);
        created.add(tenantId);
    }

    /** Forgets that the tenant's topics exist: its next publish checks them again. */
    void forget(UUID tenantId) {
        created.remove(tenantId);
    }

    /** Every tenant with a desired or status topic under this installation's prefix. */
    public SortedSet<String> tenantsOnBroker() {
        SortedSet<String> tenants = new TreeSet<>();
        for (String topic : await(admin.listTopics().names(), "listing the Kafka topics")) {
            KafkaTopics.tenantOf(prefix, topic).ifPresent(tenants::add);
        }
        return tenants;
    }

    /**
     * Deletes both topics of {@code tenant}, a tenant that no longer exists, and returns once the
     * brokers no longer list them, so that a tenant created afterwards under the name gets new ones.
     * A topic already gone changes nothing.
     */
    public void delete(String tenant) {
        List<String> topics = List.of(KafkaTopics.desired(prefix, tenant), KafkaTopics.status(prefix, tenant));
        for (Map.Entry<String, KafkaFuture<Void>> deletion : admin.deleteTopics(topics).topicNameValues().entrySet()) {
            try {
                await(deletion.getValue(), "deleting topic " + deletion.getKey());
            } catch (PublishFailedException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
            }
        }
        long deadline = System.nanoTime() + GONE_PATIENCE.toNanos();
        while (await(admin.listTopics().names(), "listing the Kafka topics").stream().anyMatch(topics::contains)) {
            if (System.nanoTime() > deadline) {
                throw new PublishFailedException("topics " + topics + " were deleted but the brokers still list them after "
                        + GONE_PATIENCE.toSeconds() + " s", null);
            }
            sleep();
        }
        LOG.info("tenant={} no longer exists: its topics {} deleted", tenant, topics);
    }

    private void create(String topic, int partitions) {
        NewTopic newTopic = new NewTopic(topic, partitions, replicationFactor)
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
        try {
            await(admin.createTopics(List.of(newTopic)).all(), "creating topic " + topic);
        } catch (PublishFailedException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
    }

    private static <T> T await(KafkaFuture<T> call, String what) {
        return KafkaCalls.await(call, TIMEOUT_SECONDS, what, PublishFailedException::new);
    }

    private static void sleep() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PublishFailedException("interrupted waiting for deleted topics to go", e);
        }
    }
}

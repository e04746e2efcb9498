package dev.fedmesh.distributor.publish;

import dev.fedmesh.api.KafkaTopics;
import dev.fedmesh.distributor.KafkaCalls;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A tenant's topics on the brokers (desired, status, inventory): created compacted before its first
 * publish, and deleted once the tenant is (by the sweep, see {@code AgentAccessSweep}).
 *
 * <p>What was created is remembered by tenant <em>id</em>, not name: a tenant deleted and created
 * again under the same name has a new id, so its topics are created again (the old ones having
 * been deleted with the old tenant) rather than left to a broker that would create them with its
 * defaults, not compacted. A failed publish forgets its tenant, so the next one checks again.
 *
 * <p><b>Topic settings.</b> Each kind of topic has the settings it is created with
 * ({@link #desiredTopicConfigs}, {@link #statusTopicConfigs}, {@link #inventoryTopicConfigs}); a topic that already exists (created by
 * an older release, or before the limits were changed) is given them when the distributor first
 * publishes its tenant, since delivery depends on them: a desired topic whose
 * {@code max.message.bytes} is below what the distributor sends would refuse the tenant's configs.
 * Settings not named there (retention, say) are the operator's and are left alone.
 */
public final class TenantTopics {
    /** The largest record the distributor sends unless told otherwise: the Kafka producer's own default. */
    public static final int DEFAULT_MAX_RECORD_BYTES = 1024 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(TenantTopics.class);
    private static final long TIMEOUT_SECONDS = 30;
    private static final Duration GONE_PATIENCE = Duration.ofSeconds(30);

    private final Admin admin;
    private final String prefix;
    private final int desiredPartitions;
    private final short replicationFactor;
    private final Map<String, String> desiredTopicConfigs;
    private final Map<String, String> statusTopicConfigs;
    private final Map<String, String> inventoryTopicConfigs;
    private final Set<UUID> created = ConcurrentHashMap.newKeySet();

    /** The topics under {@code prefix}, for records of at most {@link #DEFAULT_MAX_RECORD_BYTES}. */
    public TenantTopics(Admin admin, String prefix, int desiredPartitions, short replicationFactor) {
        this(admin, prefix, desiredPartitions, replicationFactor, DEFAULT_MAX_RECORD_BYTES);
    }

    /**
     * The topics under {@code prefix}, created with {@code desiredPartitions} desired partitions, through
     * {@code admin}; the desired topics take records of up to {@code maxRecordBytes} (see {@link #maxMessageBytes}).
     */
    public TenantTopics(Admin admin, String prefix, int desiredPartitions, short replicationFactor, int maxRecordBytes) {
        this.admin = admin;
        this.prefix = prefix;
        this.desiredPartitions = desiredPartitions;
        this.replicationFactor = replicationFactor;
        this.desiredTopicConfigs = Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(maxMessageBytes(maxRecordBytes)));
        // Reports are ordered by when the broker appended them, never by the agents' clocks.
        this.statusTopicConfigs = Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime");
        // Republished inventories are signed envelopes of what agents sent, bounded like desired configs.
        this.inventoryTopicConfigs = desiredTopicConfigs;
    }

    /**
     * The desired topics' {@code max.message.bytes} for records of at most {@code maxRecordBytes}: the
     * producer checks a record uncompressed against its {@code max.request.size}, the broker checks the
     * compressed batch against this, and LZ4 can grow incompressible bytes by 1/255 plus a few bytes per
     * 64 KiB block, so 1/128 and 64 bytes more than the producer's limit never refuse what it let through.
     */
    public static int maxMessageBytes(int maxRecordBytes) {
        return maxRecordBytes + maxRecordBytes / 128 + 64;
    }

    /** The settings every desired topic is created with and kept at. */
    public Map<String, String> desiredTopicConfigs() {
        return desiredTopicConfigs;
    }

    /** The settings every status topic is created with and kept at. */
    public Map<String, String> statusTopicConfigs() {
        return statusTopicConfigs;
    }

    /** The settings every inventory topic is created with and kept at: those of the desired topics. */
    public Map<String, String> inventoryTopicConfigs() {
        return inventoryTopicConfigs;
    }

    /**
     * Creates the tenant's desired topic ({@code desiredPartitions} partitions), status topic (one
     * partition: distributors share the status topics of many tenants) and inventory topic (one
     * partition: every agent of the tenant reads all of it), or gives existing ones the settings new
     * ones get, unless this distributor did for this tenant id already; an existing topic keeps its
     * partitions and every setting not named in the topic kind's settings.
     */
    public void ensure(UUID tenantId, String tenant) {
        if (created.contains(tenantId)) {
            return;
        }
        ensure(KafkaTopics.desired(prefix, tenant), desiredPartitions, desiredTopicConfigs);
        ensure(KafkaTopics.status(prefix, tenant), 1, statusTopicConfigs);
        ensure(KafkaTopics.inventory(prefix, tenant), 1, inventoryTopicConfigs);
        created.add(tenantId);
    }

    /** Forgets that the tenant's topics exist: its next publish checks them again. */
    void forget(UUID tenantId) {
        created.remove(tenantId);
    }

    /** Every tenant with a desired, status or inventory topic under this installation's prefix. */
    public SortedSet<String> tenantsOnBroker() {
        SortedSet<String> tenants = new TreeSet<>();
        for (String topic : await(admin.listTopics().names(), "listing the Kafka topics")) {
            KafkaTopics.tenantOf(prefix, topic).ifPresent(tenants::add);
        }
        return tenants;
    }

    /**
     * Deletes every topic of {@code tenant}, a tenant that no longer exists, and returns once the
     * brokers no longer list them, so that a tenant created afterwards under the name gets new ones.
     * A topic already gone changes nothing.
     */
    public void delete(String tenant) {
        List<String> topics = List.of(KafkaTopics.desired(prefix, tenant), KafkaTopics.status(prefix, tenant),
                KafkaTopics.inventory(prefix, tenant));
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

    private void ensure(String topic, int partitions, Map<String, String> configs) {
        NewTopic newTopic = new NewTopic(topic, partitions, replicationFactor).configs(configs);
        try {
            await(admin.createTopics(List.of(newTopic)).all(), "creating topic " + topic);
        } catch (PublishFailedException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
            align(topic, configs);
        }
    }

    /** Sets on an existing topic each of {@code configs} it does not have. */
    private void align(String topic, Map<String, String> configs) {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        Config current = await(admin.describeConfigs(List.of(resource)).all(), "reading the settings of topic " + topic)
                .get(resource);
        Collection<AlterConfigOp> changes = configs.entrySet().stream()
                .filter(setting -> current.get(setting.getKey()) == null
                        || !setting.getValue().equals(current.get(setting.getKey()).value()))
                .map(setting -> new AlterConfigOp(new ConfigEntry(setting.getKey(), setting.getValue()),
                        AlterConfigOp.OpType.SET))
                .toList();
        if (changes.isEmpty()) {
            return;
        }
        await(admin.incrementalAlterConfigs(Map.of(resource, changes)).all(), "changing the settings of topic " + topic);
        LOG.info("topic {} existed with other settings; now {}", topic, changes.stream()
                .map(change -> change.configEntry().name() + "=" + change.configEntry().value()).toList());
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

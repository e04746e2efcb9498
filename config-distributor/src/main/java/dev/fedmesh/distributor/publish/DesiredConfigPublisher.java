package dev.fedmesh.distributor.publish;

import dev.fedmesh.api.KafkaClientSecurity;
import dev.fedmesh.api.KafkaTopics;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.DesiredConfigEnvelope;
import dev.fedmesh.distributor.KafkaCalls;
import dev.fedmesh.distributor.access.AgentAccess;
import dev.fedmesh.policy.compiler.DesiredConfigEnvelopes;
import dev.fedmesh.policy.compiler.DesiredRecordSize;
import dev.fedmesh.trust.signing.ConfigSigningKey;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Future;

/**
 * Publishes each cluster's whole desired config, signed with the control plane's key (one signature
 * for all of a change's configs, see {@link ConfigSigningKey#signedTogether}), to the
 * tenant's compacted desired topic, keyed by cluster, and waits until the broker has every record:
 * a publish either completes or throws. A config whose record would be larger than
 * {@code maxRecordBytes} (the producer's {@code max.request.size}) fails the publish with
 * {@link ConfigTooLargeException} before any record of the change is sent.
 */
public final class DesiredConfigPublisher implements AutoCloseable {
    private static final long SEND_TIMEOUT_SECONDS = 30;
    /** The Kafka producer's own default buffer; a larger record limit gets a buffer that holds such a record. */
    private static final long DEFAULT_BUFFER_MEMORY = 32L * 1024 * 1024;
    private final Properties producerConfig;
    private KafkaProducer<String, byte[]> producer;
    private final Admin admin;
    private final String topicPrefix;
    private final TenantTopics topics;
    private final ConfigSigningKey signingKey;
    private final AgentAccess agentAccess;
    private final int maxRecordBytes;

    /** A plaintext publisher sending records of at most the default size ({@link TenantTopics#DEFAULT_MAX_RECORD_BYTES}). */
    public DesiredConfigPublisher(String bootstrapServers, String topicPrefix, int partitions, short replicationFactor,
                                  ConfigSigningKey signingKey) {
        this(bootstrapServers, KafkaClientSecurity.plaintext(), topicPrefix, partitions, replicationFactor, signingKey,
                AgentAccess.NONE, TenantTopics.DEFAULT_MAX_RECORD_BYTES);
    }

    /**
     * A publisher whose Kafka clients use {@code security}, sending records of at most
     * {@code maxRecordBytes}; before each tenant is published, {@code agentAccess} gives its
     * clusters' agents access to its topics (and closes with it).
     */
    public DesiredConfigPublisher(String bootstrapServers, KafkaClientSecurity security, String topicPrefix, int partitions,
                                  short replicationFactor, ConfigSigningKey signingKey, AgentAccess agentAccess,
                                  int maxRecordBytes) {
        this.topicPrefix = topicPrefix;
        this.signingKey = signingKey;
        this.agentAccess = agentAccess;
        this.maxRecordBytes = maxRecordBytes;
        Properties producerConfig = new Properties();
        producerConfig.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
        producerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // publish() flushes after its last send, so lingering adds no delay; it lets a tenant's records
        // leave in one request per partition rather than one by one.
        producerConfig.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        producerConfig.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        producerConfig.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        producerConfig.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 20_000);
        producerConfig.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        producerConfig.put(ProducerConfig.CLIENT_ID_CONFIG, "fedmesh-distributor");
        producerConfig.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, maxRecordBytes);
        producerConfig.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Math.max(DEFAULT_BUFFER_MEMORY, 2L * maxRecordBytes));
        security.applyTo(producerConfig);
        this.producerConfig = producerConfig;
        this.producer = newProducer();
        Properties adminConfig = new Properties();
        adminConfig.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        adminConfig.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000);
        adminConfig.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        security.applyTo(adminConfig);
        this.admin = Admin.create(adminConfig);
        this.topics = new TenantTopics(admin, topicPrefix, partitions, replicationFactor, maxRecordBytes);
    }

    /** The tenants' topics this publisher creates, for the sweep that deletes a deleted tenant's. */
    public TenantTopics topics() {
        return topics;
    }

    /**
     * Sends every config of the tenant with id {@code tenantId} and name {@code tenant} and returns,
     * once all are acknowledged, each one's SHA-256 by cluster; throws if any is not, and
     * {@link ConfigTooLargeException}, having sent nothing, if any config is too large to send.
     */
    public Map<String, byte[]> publish(UUID tenantId, String tenant, Map<String, DesiredConfig> configsByCluster) {
        String topic = KafkaTopics.desired(topicPrefix, tenant);
        // Seal and sign everything before the first send, so the records leave together in few requests
        // and a config too large to send stops the change before any of it is sent.
        Map<String, DesiredConfigEnvelope> envelopes = sealAndSign(configsByCluster, signingKey);
        Map<String, byte[]> values = new LinkedHashMap<>();
        envelopes.forEach((cluster, envelope) -> {
            byte[] value = envelope.toByteArray();
            int recordBytes = DesiredRecordSize.ofRecord(cluster.getBytes(StandardCharsets.UTF_8).length, value.length);
            if (recordBytes > maxRecordBytes) {
                throw new ConfigTooLargeException(tenant, cluster, recordBytes, maxRecordBytes);
            }
            values.put(cluster, value);
        });
        agentAccess.provision(tenantId, tenant, configsByCluster.keySet());
        topics.ensure(tenantId, tenant);
        Map<String, byte[]> sha256ByCluster = new java.util.TreeMap<>();
        try {
            // Each cluster's records go to the partition its agent reads (the topic's actual partition count:
            // an existing topic keeps its own), so an agent fetches its own records, not every cluster's.
            int topicPartitions = producer.partitionsFor(topic).size();
            List<ProducerRecord<String, byte[]>> records = new ArrayList<>(values.size());
            values.forEach((cluster, value) -> {
                sha256ByCluster.put(cluster, envelopes.get(cluster).getSha256().toByteArray());
                records.add(new ProducerRecord<>(topic, KafkaTopics.desiredPartition(cluster, topicPartitions), cluster,
                        value));
            });
            List<Future<?>> sends = new ArrayList<>(records.size());
            for (ProducerRecord<String, byte[]> record : records) {
                sends.add(producer.send(record));
            }
            producer.flush();
            for (Future<?> send : sends) {
                KafkaCalls.await(send, SEND_TIMEOUT_SECONDS, "publishing to " + topic, PublishFailedException::new);
            }
        } catch (KafkaException e) {
            // Thrown by the producer itself rather than through a send's future (metadata not arriving, say).
            forgetAndReplaceProducer(tenantId);
            throw new PublishFailedException("publishing to " + topic + " failed: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            forgetAndReplaceProducer(tenantId);
            throw e;
        }
        return sha256ByCluster;
    }

    /**
     * Each cluster's config sealed (deterministic bytes and their SHA-256) and signed, all under one
     * signature however many clusters the change reaches ({@link ConfigSigningKey#signedTogether}),
     * in the map's order: what a publish sends, before Kafka.
     */
    public static Map<String, DesiredConfigEnvelope> sealAndSign(Map<String, DesiredConfig> configsByCluster,
                                                                 ConfigSigningKey signingKey) {
        List<String> clusters = List.copyOf(configsByCluster.keySet());
        List<DesiredConfigEnvelope> signed = signingKey.signedTogether(
                clusters.stream().map(cluster -> DesiredConfigEnvelopes.seal(configsByCluster.get(cluster))).toList());
        Map<String, DesiredConfigEnvelope> byCluster = new LinkedHashMap<>();
        for (int i = 0; i < clusters.size(); i++) {
            byCluster.put(clusters.get(i), signed.get(i));
        }
        return byCluster;
    }

    private KafkaProducer<String, byte[]> newProducer() {
        return new KafkaProducer<>(producerConfig, new StringSerializer(), new ByteArraySerializer());
    }

    /** The topics may be what failed (deleted by hand, say): the next publish checks them again. */
    private void forgetAndReplaceProducer(UUID tenantId) {
        topics.forget(tenantId);
        replaceProducer();
    }

    /**
     * After a failed publish the next one starts with a new producer: an idempotent producer that
     * once failed to authenticate (its user created after it started, say) or lost its producer id
     * refuses every later send. Closing waits for what the old one still has in flight, so none of
     * its records can land after the new one's.
     */
    private void replaceProducer() {
        producer.close(java.time.Duration.ofSeconds(SEND_TIMEOUT_SECONDS));
        producer = newProducer();
    }

    @Override
    public void close() {
        producer.close(java.time.Duration.ofSeconds(5));
        admin.close(java.time.Duration.ofSeconds(5));
        agentAccess.close();
    }
}

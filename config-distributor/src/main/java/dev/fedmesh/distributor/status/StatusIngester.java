package dev.fedmesh.distributor.status;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.fedmesh.api.v1.ClusterStatus;
import dev.fedmesh.api.KafkaClientSecurity;
import dev.fedmesh.distributor.trust.IntermediateRequestHandler;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads every tenant's status topic ({@code <prefix>.<tenant>.status}, by pattern, picking up new
 * tenants within seconds) in one consumer group, so several distributors share the partitions,
 * and stores each report with {@link ClusterStatusStore}. Offsets are committed only after the
 * reports are stored: a crash re-reads them, and storing a report twice changes nothing.
 */
public final class StatusIngester implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(StatusIngester.class);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration RETRY = Duration.ofSeconds(1);
    // How soon a new tenant's status topic is noticed.
    private static final int TOPIC_REFRESH_MILLIS = 5_000;

    private final ClusterStatusStore store;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Pattern topics;
    private volatile boolean running = true;
    private volatile IntermediateRequestHandler intermediateRequests = IntermediateRequestHandler.NONE;

    public StatusIngester(String bootstrapServers, String topicPrefix, ClusterStatusStore store) {
        this(bootstrapServers, KafkaClientSecurity.plaintext(), topicPrefix, store);
    }

    /** An ingester whose consumer uses {@code security}. */
    public StatusIngester(String bootstrapServers, KafkaClientSecurity security, String topicPrefix,
                          ClusterStatusStore store) {
        this.store = store;
        this.topics = Pattern.compile(Pattern.quote(topicPrefix) + "\\.([a-z0-9-]+)\\.status");
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId(topicPrefix));
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "fedmesh-distributor-status");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, TOPIC_REFRESH_MILLIS);
        props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        // A distributor that dies keeps its status partitions until its session expires; 10 s rather
        // than Kafka's 45 s lets the others take over before the API shows every cluster stale.
        props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
        security.applyTo(props);
        this.consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** Hands every newly stored report to {@code handler}, which answers its intermediate request; call before {@link #run}. */
    public StatusIngester answeringIntermediateRequestsWith(IntermediateRequestHandler handler) {
        this.intermediateRequests = handler;
        return this;
    }

    /** The consumer group every distributor of one topic prefix joins. */
    public static String groupId(String topicPrefix) {
        return topicPrefix + ".status-ingest";
    }

    @Override
    public void run() {
        try {
            consumer.subscribe(topics);
            while (running) {
                try {
                    ingest(consumer.poll(POLL));
                } catch (WakeupException e) {
                    if (running) {
                        throw e;
                    }
                } catch (KafkaException e) {
                    LOG.warn("Reading agents' status reports failed ({}); retrying in {} ms", e.toString(),
                            RETRY.toMillis());
                    sleep();
                }
            }
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void ingest(ConsumerRecords<String, byte[]> records) {
        if (records.isEmpty()) {
            return;
        }
        // After a change every cluster reports at once: keep each cluster's newest report of the poll
        // (newest as the store judges it, since a late report may arrive after a newer one) and store
        // them in one commit.
        Map<String, ClusterStatusStore.TenantReport> newest = new LinkedHashMap<>();
        Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
        for (ConsumerRecord<String, byte[]> record : records) {
            report(record).ifPresent(report -> newest.merge(report.tenant() + "/" + report.report().getCluster(), report,
                    (kept, later) -> ClusterStatusStore.isNewer(later.report(), kept.report()) ? later : kept));
            done.put(new TopicPartition(record.topic(), record.partition()), new OffsetAndMetadata(record.offset() + 1));
        }
        List<ClusterStatusStore.TenantReport> reports = List.copyOf(newest.values());
        List<ClusterStatusStore.Outcome> outcomes;
        try {
            outcomes = store.storeAll(reports);
        } catch (RuntimeException e) {
            LOG.warn("Storing {} status report(s) at once failed ({}); storing them one by one", reports.size(),
                    e.toString());
            ingestOneByOne(records);
            return;
        }
        for (int i = 0; i < reports.size(); i++) {
            warnIfUnknown(reports.get(i), outcomes.get(i));
            if (outcomes.get(i) == ClusterStatusStore.Outcome.STORED) {
                intermediateRequests.answer(reports.get(i).tenant(), reports.get(i).report());
            }
        }
        consumer.commitSync(done);
    }

    /** Stores each report in its own transaction; a partition whose report fails is read again from there. */
    private void ingestOneByOne(ConsumerRecords<String, byte[]> records) {
        Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
        Set<TopicPartition> failed = new HashSet<>();
        for (ConsumerRecord<String, byte[]> record : records) {
            TopicPartition partition = new TopicPartition(record.topic(), record.partition());
            if (failed.contains(partition)) {
                continue;
            }
            try {
                report(record).ifPresent(report -> warnIfUnknown(report, store.store(report.tenant(), report.report())));
                done.put(partition, new OffsetAndMetadata(record.offset() + 1));
            } catch (RuntimeException e) {
                LOG.warn("Storing the status report at {}-{}@{} failed ({}); it is read again in {} ms",
                        record.topic(), record.partition(), record.offset(), e.toString(), RETRY.toMillis());
                failed.add(partition);
                consumer.seek(partition, record.offset());
            }
        }
        if (!done.isEmpty()) {
            consumer.commitSync(done);
        }
        if (!failed.isEmpty()) {
            sleep();
        }
    }

    /** The record's report, or empty (logged) when it is not one this topic may carry. */
    private Optional<ClusterStatusStore.TenantReport> report(ConsumerRecord<String, byte[]> record) {
        String where = record.topic() + "-" + record.partition() + "@" + record.offset();
        var topic = topics.matcher(record.topic());
        if (!topic.matches() || record.value() == null) {
            return Optional.empty();
        }
        String tenant = topic.group(1);
        ClusterStatus report;
        try {
            report = ClusterStatus.parseFrom(record.value());
        } catch (InvalidProtocolBufferException e) {
            LOG.warn("tenant={} skipping status record {}: not a ClusterStatus ({})", tenant, where, e.getMessage());
            return Optional.empty();
        }
        // A tenant's topic speaks only for that tenant, and a record only for the cluster it is keyed by.
        if (!report.getTenant().equals(tenant) || !report.getCluster().equals(record.key())) {
            LOG.warn("tenant={} skipping status record {}: it claims tenant={} cluster={} but was sent on {} keyed"
                    + " by '{}'", tenant, where, report.getTenant(), report.getCluster(), record.topic(), record.key());
            return Optional.empty();
        }
        return Optional.of(new ClusterStatusStore.TenantReport(tenant, report));
    }

    private static void warnIfUnknown(ClusterStatusStore.TenantReport report, ClusterStatusStore.Outcome outcome) {
        if (outcome == ClusterStatusStore.Outcome.UNKNOWN_TENANT) {
            LOG.warn("tenant={} cluster={} skipping a status report: no such tenant in the database", report.tenant(),
                    report.report().getCluster());
        }
    }

    private void sleep() {
        try {
            Thread.sleep(RETRY.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    /** Stops after the reports in hand; what was not committed is read again by the next reader. */
    public void stop() {
        running = false;
        consumer.wakeup();
    }
}

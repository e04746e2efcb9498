package dev.fedmesh.distributor.status;

import dev.fedmesh.api.StatusReportLimits;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.fedmesh.api.KafkaClientSecurity;
import dev.fedmesh.api.KafkaTopics;
import dev.fedmesh.api.v1.ClusterStatus;
import dev.fedmesh.db.DatabaseErrors;
import dev.fedmesh.distributor.FirstSightings;
import dev.fedmesh.distributor.inventory.InventoryIngester;
import dev.fedmesh.distributor.inventory.RefusedInventoryException;
import dev.fedmesh.distributor.inventory.TenantInventory;
import dev.fedmesh.distributor.status.ClusterStatusStore.TenantReport;
import dev.fedmesh.distributor.status.StatusDeadLetters.DeadLetter;
import dev.fedmesh.distributor.status.StatusDeadLetters.Reason;
import dev.fedmesh.distributor.trust.IntermediateRequestHandler;
import dev.fedmesh.trust.credential.ClusterCredentialKeys;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads every tenant's status topic ({@code <prefix>.<tenant>.status}, by pattern, picking up new
 * tenants within seconds) in one consumer group, so several distributors share the partitions, and
 * takes from each record only what its cluster may say:
 * <ol>
 *   <li>a record keyed by no registered cluster of the topic's tenant is dropped;</li>
 *   <li>one whose HMAC ({@link KafkaTopics#REPORT_MAC_HEADER}) is not that of the cluster's current
 *       bootstrap credential is not taken, and counted as a dead letter: an agent cannot speak for
 *       another cluster, nor one whose credential was re-issued for any;</li>
 *   <li>an authenticated report is bounded ({@link ReportBounds}) and stored, ordered by where the
 *       broker put it (its append time, then offset), never by the agent's clock;</li>
 *   <li>what cannot be read or stored goes to {@link StatusDeadLetters} and the partition moves on.</li>
 * </ol>
 * A record whose {@link KafkaTopics#RECORD_KIND_HEADER} says {@link KafkaTopics#INVENTORY_RECORD_KIND}
 * holds the cluster's inventory: authenticated the same way, it goes to the {@link InventoryIngester}
 * (which stores and republishes it) instead; without one, such records are not taken.
 * The intermediate request an authenticated report carries is answered whatever became of the
 * report around it. Only a database that does not answer holds records back: they are read again
 * once it does. Offsets are committed after all this: a crash re-reads the records, and taking a
 * report twice changes nothing.
 */
public final class StatusIngester implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(StatusIngester.class);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration RETRY = Duration.ofSeconds(1);
    // How soon a new tenant's status topic is noticed.
    private static final int TOPIC_REFRESH_MILLIS = 5_000;

    private final DSLContext dsl;
    private final ClusterStatusStore store;
    private final StatusDeadLetters deadLetters;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Pattern topics;
    private final FirstSightings logged = new FirstSightings(10_000);
    private volatile boolean running = true;
    private volatile IntermediateRequestHandler intermediateRequests = IntermediateRequestHandler.NONE;
    private volatile Optional<InventoryIngester> inventories = Optional.empty();

    public StatusIngester(String bootstrapServers, String topicPrefix, DSLContext dsl) {
        this(bootstrapServers, KafkaClientSecurity.plaintext(), topicPrefix, dsl);
    }

    /** An ingester whose consumer uses {@code security}, storing through {@code dsl}. */
    public StatusIngester(String bootstrapServers, KafkaClientSecurity security, String topicPrefix, DSLContext dsl) {
        this.dsl = dsl;
        this.store = new ClusterStatusStore(dsl);
        this.deadLetters = new StatusDeadLetters(dsl);
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

    /** Hands every authenticated intermediate request to {@code handler}; call before {@link #run}. */
    public StatusIngester answeringIntermediateRequestsWith(IntermediateRequestHandler handler) {
        this.intermediateRequests = handler;
        return this;
    }

    /** Hands every authenticated inventory record to {@code ingester}; call before {@link #run}. */
    public StatusIngester handingInventoriesTo(InventoryIngester ingester) {
        this.inventories = Optional.of(ingester);
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
                    ConsumerRecords<String, byte[]> records = consumer.poll(POLL);
                    if (!records.isEmpty() && !ingest(records)) {
                        rewind(records);
                        sleep();
                    }
                    passInventories();
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

    /**
     * Takes one poll's records and commits them; false (nothing committed) when the database does
     * not answer, so that they are read again.
     */
    private boolean ingest(ConsumerRecords<String, byte[]> records) {
        Instant readAt = Instant.now();
        Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
        Set<String> tenants = new TreeSet<>();
        for (ConsumerRecord<String, byte[]> record : records) {
            done.put(new TopicPartition(record.topic(), record.partition()), new OffsetAndMetadata(record.offset() + 1));
            tenantOf(record).ifPresent(tenants::add);
        }
        try {
            RegisteredClusters registered = RegisteredClusters.of(dsl, tenants);
            List<Taken> accepted = new ArrayList<>();
            List<TakenInventory> inventoryRecords = new ArrayList<>();
            List<DeadLetter> letters = new ArrayList<>();
            for (ConsumerRecord<String, byte[]> record : records) {
                take(record, registered, readAt, accepted, inventoryRecords, letters);
            }
            store(accepted, letters);
            storeInventories(inventoryRecords, letters);
            for (DeadLetter letter : letters) {
                deadLetters.record(letter);
            }
            answerIntermediateRequests(accepted);
        } catch (RuntimeException e) {
            if (!DatabaseErrors.isUnavailable(e)) {
                throw e;
            }
            LOG.warn("Agents' status reports wait: the database does not answer ({}); reading them again in {} ms",
                    e.getClass().getSimpleName(), RETRY.toMillis());
            return false;
        }
        consumer.commitSync(done);
        return true;
    }

    /** Sorts one record into an authenticated, bounded report or a dead letter; drops what speaks for no cluster. */
    private void take(ConsumerRecord<String, byte[]> record, RegisteredClusters registered, Instant readAt,
                      List<Taken> accepted, List<TakenInventory> inventoryRecords, List<DeadLetter> letters) {
        Optional<String> topicTenant = tenantOf(record);
        if (topicTenant.isEmpty() || record.value() == null) {
            return;
        }
        String tenant = topicTenant.get();
        String cluster = record.key();
        Optional<UUID> tenantId = registered.tenantId(tenant);
        if (tenantId.isEmpty()) {
            if (logged.firstTime("no-tenant", tenant)) {
                LOG.warn("tenant={} dropping status records on {}: no such tenant in the database (deleted?)", tenant,
                        record.topic());
            }
            return;
        }
        if (cluster == null || !registered.isRegistered(tenant, cluster)) {
            if (logged.firstTime("no-cluster", tenant, String.valueOf(cluster))) {
                LOG.warn("tenant={} dropping status records keyed '{}' on {}: the tenant has no such cluster (deleted, or"
                                + " never registered); its agent's reports are taken again once it is registered", tenant,
                        cluster == null ? "" : StatusReportLimits.text(cluster, StatusReportLimits.MAX_NODE_ID), record.topic());
            }
            return;
        }
        Location where = new Location(tenantId.get(), cluster, record);
        Optional<String> unauthenticated = authenticationProblem(tenant, cluster, record, registered.keysOf(tenant, cluster));
        if (unauthenticated.isPresent()) {
            letters.add(where.deadLetter(Reason.UNAUTHENTICATED, unauthenticated.get()));
            if (logged.firstTime("unauthenticated", tenant, cluster, unauthenticated.get())) {
                LOG.warn("tenant={} cluster={} not taking status record {}: {}", tenant, cluster, where, unauthenticated.get());
            }
            return;
        }
        Instant brokerTime = record.timestampType() == TimestampType.LOG_APPEND_TIME
                ? Instant.ofEpochMilli(record.timestamp()) : readAt;
        if (isInventory(record)) {
            takeInventory(record, tenant, where, brokerTime, inventoryRecords, letters);
            return;
        }
        ClusterStatus report;
        try {
            report = ClusterStatus.parseFrom(record.value());
        } catch (InvalidProtocolBufferException e) {
            letters.add(where.deadLetter(Reason.UNPARSEABLE, "not a ClusterStatus: " + e.getMessage()));
            return;
        }
        if (!report.getTenant().equals(tenant) || !report.getCluster().equals(cluster)) {
            letters.add(where.deadLetter(Reason.UNPARSEABLE, "the report names tenant '" + report.getTenant()
                    + "' and cluster '" + report.getCluster() + "' but was sent on " + record.topic() + " keyed by '"
                    + cluster + "'"));
            return;
        }
        accepted.add(new Taken(new TenantReport(tenantId.get(), tenant, ReportBounds.apply(report), brokerTime,
                record.offset()), where));
    }

    private static boolean isInventory(ConsumerRecord<String, byte[]> record) {
        Header kind = record.headers().lastHeader(KafkaTopics.RECORD_KIND_HEADER);
        return kind != null && KafkaTopics.INVENTORY_RECORD_KIND.equals(
                new String(kind.value() == null ? new byte[0] : kind.value(), java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Reads an authenticated inventory record for the inventory ingester, or makes it a dead letter. */
    private void takeInventory(ConsumerRecord<String, byte[]> record, String tenant, Location where, Instant brokerTime,
                               List<TakenInventory> inventoryRecords, List<DeadLetter> letters) {
        if (inventories.isEmpty()) {
            return;
        }
        try {
            inventoryRecords.add(new TakenInventory(InventoryIngester.read(where.tenantId(), tenant, where.cluster(),
                    record.value(), brokerTime, record.offset()), where));
        } catch (RefusedInventoryException e) {
            letters.add(where.deadLetter(Reason.UNPARSEABLE, "inventory record: " + e.getMessage()));
            if (logged.firstTime("inventory-refused", tenant, where.cluster())) {
                LOG.warn("tenant={} cluster={} not taking inventory record {}: {}; the cluster's inventory stays as it was",
                        tenant, where.cluster(), where, e.getMessage());
            }
        }
    }

    /** Stores and republishes the inventories; what the database refused becomes a dead letter. */
    private void storeInventories(List<TakenInventory> taken, List<DeadLetter> letters) {
        if (taken.isEmpty() || inventories.isEmpty()) {
            return;
        }
        for (InventoryIngester.Unstored unstored : inventories.get().ingest(taken.stream().map(TakenInventory::inventory).toList())) {
            taken.stream().filter(one -> one.inventory() == unstored.inventory()).findFirst().ifPresent(one ->
                    letters.add(one.where().deadLetter(Reason.UNSTORABLE, "inventory record: " + unstored.why())));
        }
    }

    /** Lets the inventory ingester send again what Kafka did not take; a database away waits for the next pass. */
    private void passInventories() {
        if (inventories.isEmpty()) {
            return;
        }
        try {
            inventories.get().pass();
        } catch (RuntimeException e) {
            if (!DatabaseErrors.isUnavailable(e)) {
                LOG.warn("Republishing inventories failed ({}); trying again at the next pass", e.toString());
            }
        }
    }

    /** Why the record does not prove it comes from {@code cluster}'s agent, or empty when it does. */
    private static Optional<String> authenticationProblem(String tenant, String cluster, ConsumerRecord<String, byte[]> record,
                                                          Optional<ClusterCredentialKeys> keys) {
        if (keys.isEmpty()) {
            return Optional.of("the cluster has no bootstrap credential to check it against: re-issue the credential"
                    + " (POST /api/v1/tenants/" + tenant + "/clusters/" + cluster + "/bootstrap-credential) and give it"
                    + " to the agent");
        }
        Header mac = record.headers().lastHeader(KafkaTopics.REPORT_MAC_HEADER);
        if (mac == null) {
            return Optional.of("it carries no " + KafkaTopics.REPORT_MAC_HEADER + " header: the agent is older than"
                    + " authenticated reports, or runs without the cluster's bootstrap credential"
                    + " (fedmesh.agent.bootstrap-credential-file)");
        }
        Header kind = record.headers().lastHeader(KafkaTopics.RECORD_KIND_HEADER);
        byte[] covered = KafkaTopics.authenticatedBytes(kind == null || kind.value() == null ? null
                : new String(kind.value(), java.nio.charset.StandardCharsets.UTF_8), record.value());
        if (!keys.get().reportMacMatches(tenant, cluster, covered, mac.value())) {
            return Optional.of("its HMAC is not that of the cluster's current bootstrap credential: it was written by"
                    + " another cluster's agent, or by an agent whose credential was re-issued");
        }
        return Optional.empty();
    }

    /**
     * Stores the reports in one transaction; when that fails for something other than the database
     * being away, one by one, each that still fails becoming a dead letter.
     */
    private void store(List<Taken> reports, List<DeadLetter> letters) {
        if (reports.isEmpty()) {
            return;
        }
        try {
            store.storeAll(reports.stream().map(Taken::report).toList());
            return;
        } catch (RuntimeException e) {
            if (DatabaseErrors.isUnavailable(e)) {
                throw e;
            }
            LOG.warn("Storing {} status report(s) at once failed ({}); storing them one by one", reports.size(),
                    e.toString());
        }
        for (Taken taken : reports) {
            try {
                store.storeAll(List.of(taken.report()));
            } catch (RuntimeException e) {
                if (DatabaseErrors.isUnavailable(e)) {
                    throw e;
                }
                LOG.warn("tenant={} cluster={} status record {} cannot be stored ({}); it is kept as a dead letter and"
                        + " the next one is taken", taken.report().tenant(), taken.where().cluster(), taken.where(),
                        e.toString());
                letters.add(taken.where().deadLetter(Reason.UNSTORABLE, "the database refused it: " + e.getMessage()));
            }
        }
    }

    /** Answers the newest request of each cluster among the authenticated reports, stored or not. */
    private void answerIntermediateRequests(List<Taken> reports) {
        Map<String, TenantReport> newest = new LinkedHashMap<>();
        for (TenantReport report : reports.stream().map(Taken::report).toList()) {
            if (report.report().hasIntermediateRequest()) {
                newest.merge(report.tenant() + "/" + report.report().getCluster(), report,
                        (kept, later) -> later.isLaterThan(kept) ? later : kept);
            }
        }
        newest.values().forEach(report -> intermediateRequests.answer(report.tenant(), report.report()));
    }

    private Optional<String> tenantOf(ConsumerRecord<String, byte[]> record) {
        Matcher topic = topics.matcher(record.topic());
        return topic.matches() ? Optional.of(topic.group(1)) : Optional.empty();
    }

    /** An authenticated report as it is stored, and where its record is. */
    private record Taken(TenantReport report, Location where) {
    }

    /** An authenticated inventory as the inventory ingester takes it, and where its record is. */
    private record TakenInventory(TenantInventory inventory, Location where) {
    }

    /** Where a record is, and what its dead letter says. */
    private record Location(UUID tenantId, String cluster, String topic, int partition, long offset, int bytes) {
        Location(UUID tenantId, String cluster, ConsumerRecord<String, byte[]> record) {
            this(tenantId, cluster, record.topic(), record.partition(), record.offset(),
                    record.value() == null ? 0 : record.value().length);
        }

        DeadLetter deadLetter(Reason reason, String detail) {
            return new DeadLetter(tenantId, cluster, reason, topic, partition, offset, bytes, detail);
        }

        @Override
        public String toString() {
            return topic + "-" + partition + "@" + offset;
        }
    }

    /** Reads the poll's records again from the first of each partition. */
    private void rewind(ConsumerRecords<String, byte[]> records) {
        for (TopicPartition partition : records.partitions()) {
            consumer.seek(partition, records.records(partition).get(0).offset());
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

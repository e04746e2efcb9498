package dev.fedmesh.agent.federation;

import com.google.protobuf.Timestamp;
import dev.fedmesh.agent.kafka.TopicReader;
import dev.fedmesh.api.KafkaClientSecurity;
import dev.fedmesh.api.KafkaTopics;
import dev.fedmesh.api.v1.ClusterInventory;
import dev.fedmesh.trust.signing.ConfigVerifier;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inventories of the tenant's other clusters, as the control plane republished them on the
 * tenant's inventory topic ({@link KafkaTopics#inventory}): read from the beginning, every
 * partition, without a consumer group. Each record is verified ({@link InventoryVerifier}); of a
 * cluster's inventories the one reported last (the envelope's {@code reported_at}) is kept, a
 * tombstone forgets the cluster, and this agent's own cluster is left out.
 *
 * <p>Static stability: what it holds is kept in the state directory ({@link HeldInventoriesFile},
 * written at most once a second) and restored by {@link #start} before Kafka is asked anything. A
 * remote cluster is forgotten only through a tombstone: never because a record was refused, the
 * topic is missing or Kafka is down.
 *
 * <p>Listeners ({@link #addListener}) are told the whole map at once and after every change, on
 * the reading thread; a listener that throws does not stop the others or the reading.
 */
public final class RemoteInventories implements AutoCloseable {
    /** The file, under the agent's state directory, holding what it holds. */
    public static final String FILE_NAME = "remote-inventories.bin";

    private static final Logger LOG = LoggerFactory.getLogger(RemoteInventories.class);
    private static final Duration METADATA_TIMEOUT = TopicReader.METADATA_TIMEOUT;
    private static final long PERSIST_GAP_NANOS = Duration.ofSeconds(1).toNanos();

    private final String tenant;
    private final String cluster;
    private final String topic;
    private final InventoryVerifier verifier;
    private final HeldInventoriesFile file;
    private final TopicReader<String> reader;
    private final List<Consumer<Map<String, ClusterInventory>>> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong refused = new AtomicLong();
    // Listeners are told one map at a time, so none is told an older map after a newer one.
    private final Object telling = new Object();
    private final Set<String> refusedLogged = new HashSet<>();
    private Map<String, InventoryVerifier.Verified> held = Map.of();
    private boolean unsaved;
    /** Writes the file off the reading thread: a slow disk must not hold back the next records. */
    private final ExecutorService writer;
    private boolean writing;
    private long savedAt = System.nanoTime() - PERSIST_GAP_NANOS;

    /**
     * The remote inventories of {@code cluster}'s tenant, verified with {@code trustedKeys} (the keys
     * the agent trusts desired configs from), kept under {@code stateDirectory}; nothing is read before
     * {@link #start}.
     */
    public RemoteInventories(String bootstrapServers, KafkaClientSecurity security, String topicPrefix, String tenant,
                             String cluster, ConfigVerifier trustedKeys, Path stateDirectory) {
        this.tenant = tenant;
        this.cluster = cluster;
        this.topic = KafkaTopics.inventory(topicPrefix, tenant);
        this.verifier = new InventoryVerifier(tenant, trustedKeys);
        this.file = new HeldInventoriesFile(stateDirectory.resolve(tenant).resolve(cluster).resolve(FILE_NAME));
        this.writer = Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, "fedmesh-remote-inventories-writer-" + tenant + "-" + cluster);
            thread.setDaemon(true);
            return thread;
        });
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(properties(bootstrapServers, security, tenant,
                cluster), new StringDeserializer(), new ByteArrayDeserializer());
        this.reader = new TopicReader<>(consumer, topic, "fedmesh-remote-inventories-" + tenant + "-" + cluster,
                "tenant=" + tenant + " cluster=" + cluster,
                () -> "keeping the " + current().size() + " remote inventories held",
                infos -> infos.stream().map(info -> new TopicPartition(topic, info.partition())).collect(Collectors.toSet()),
                new TopicReader.Handler<>() {
                    @Override
                    public void records(ConsumerRecords<String, byte[]> records) {
                        take(records);
                    }

                    @Override
                    public void between(boolean idle) {
                        saveSoon(idle);
                    }
                });
    }

    private static Properties properties(String bootstrapServers, KafkaClientSecurity security, String tenant,
                                         String cluster) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "fedmesh-agent-inventories-" + tenant + "-" + cluster);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(METADATA_TIMEOUT.toMillis()));
        security.applyTo(props);
        return props;
    }

    /** Restores what the state directory holds (before Kafka is asked anything), then follows the topic. */
    public void start() {
        Map<String, InventoryVerifier.Verified> restored = new TreeMap<>(file.read(verifier));
        restored.remove(cluster);
        synchronized (this) {
            held = Collections.unmodifiableMap(restored);
        }
        if (!restored.isEmpty()) {
            LOG.info("tenant={} cluster={} restored the inventories of {} remote cluster(s) {} from {}, before Kafka",
                    tenant, cluster, restored.size(), restored.keySet(), file.path());
        }
        tell();
        reader.start();
    }

    /** Every remote cluster's inventory held now, by cluster name. */
    public synchronized Map<String, ClusterInventory> current() {
        return inventories(held);
    }

    /** Adds a listener and tells it the current map at once, then after every change. */
    public void addListener(Consumer<Map<String, ClusterInventory>> listener) {
        synchronized (telling) {
            listeners.add(listener);
            tellOne(listener, current());
        }
    }

    /** How many records of the inventory topic were refused since the start. */
    public long refusedRecords() {
        return refused.get();
    }

    /** Applies one poll's records; tells the listeners once if anything changed. */
    private void take(ConsumerRecords<String, byte[]> records) {
        if (records.isEmpty()) {
            return;
        }
        Map<String, InventoryVerifier.Verified> next;
        synchronized (this) {
            next = new TreeMap<>(held);
        }
        Taken taken = Taken.NOTHING;
        for (ConsumerRecord<String, byte[]> record : records) {
            Taken one = apply(record, next);
            taken = one.compareTo(taken) > 0 ? one : taken;
        }
        if (taken == Taken.NOTHING) {
            return;
        }
        synchronized (this) {
            held = Collections.unmodifiableMap(next);
            unsaved = true;
        }
        if (taken == Taken.CHANGED) {
            tell();
        }
    }

    /** What records did to what is held: nothing, a newer record of the same endpoints (kept, not told), or a change. */
    private enum Taken { NOTHING, NEWER, CHANGED }

    /**
     * Applies one record to {@code next}. A cluster's periodic re-send of unchanged endpoints is
     * kept (it is the newest record) but changes nothing its listeners use: at a hundred clusters
     * those re-sends come several times a second, and each would be a translation for nothing.
     */
    private Taken apply(ConsumerRecord<String, byte[]> record, Map<String, InventoryVerifier.Verified> next) {
        String key = record.key();
        if (key == null || key.equals(cluster)) {
            return Taken.NOTHING;
        }
        String where = record.topic() + "-" + record.partition() + "@" + record.offset();
        if (record.value() == null) {
            if (next.remove(key) != null) {
                LOG.info("tenant={} cluster={} remote cluster {} was deleted (tombstone at {}): its endpoints are no"
                        + " longer used", tenant, cluster, key, where);
                return Taken.CHANGED;
            }
            return Taken.NOTHING;
        }
        InventoryVerifier.Verified verified;
        try {
            verified = verifier.open(key, record.value());
        } catch (RefusedInventoryException e) {
            refused.incrementAndGet();
            if (refusedLogged.add(key + ":" + e.getMessage())) {
                LOG.warn("tenant={} cluster={} refused the inventory record of {} at {}: {}; keeping the one held",
                        tenant, cluster, key, where, e.getMessage());
            }
            return Taken.NOTHING;
        }
        InventoryVerifier.Verified kept = next.get(key);
        if (kept != null && compare(verified.envelope().getReportedAt(), kept.envelope().getReportedAt()) <= 0) {
            return Taken.NOTHING;
        }
        next.put(key, verified);
        return kept != null && kept.inventory().getServicesList().equals(verified.inventory().getServicesList())
                ? Taken.NEWER : Taken.CHANGED;
    }

    private static int compare(Timestamp a, Timestamp b) {
        int seconds = Long.compare(a.getSeconds(), b.getSeconds());
        return seconds != 0 ? seconds : Integer.compare(a.getNanos(), b.getNanos());
    }

    /** Has the writer write what is held when it changed and the last write is a second old (or {@code now}). */
    private void saveSoon(boolean now) {
        synchronized (this) {
            if (writing || !unsaved || (!now && System.nanoTime() - savedAt < PERSIST_GAP_NANOS)) {
                return;
            }
            writing = true;
        }
        try {
            writer.execute(() -> {
                try {
                    saveIfDue(true);
                } finally {
                    synchronized (this) {
                        writing = false;
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            synchronized (this) {
                writing = false; // closing: close() writes what is held
            }
        }
    }

    /** Writes what is held when it changed and the last write is a second old (or {@code now}). */
    private void saveIfDue(boolean now) {
        Map<String, InventoryVerifier.Verified> toSave;
        synchronized (this) {
            if (!unsaved || (!now && System.nanoTime() - savedAt < PERSIST_GAP_NANOS)) {
                return;
            }
            toSave = held;
            unsaved = false;
            savedAt = System.nanoTime();
        }
        try {
            file.write(toSave.values().stream().map(InventoryVerifier.Verified::envelope).toList());
        } catch (IOException | RuntimeException e) {
            synchronized (this) {
                unsaved = true;
            }
            LOG.warn("tenant={} cluster={} cannot keep the remote inventories in {} ({}); they are served from memory"
                    + " and written again within a second", tenant, cluster, file.path(), e.toString());
        }
    }

    private void tell() {
        synchronized (telling) {
            Map<String, ClusterInventory> now = current();
            for (Consumer<Map<String, ClusterInventory>> listener : listeners) {
                tellOne(listener, now);
            }
        }
    }

    private void tellOne(Consumer<Map<String, ClusterInventory>> listener, Map<String, ClusterInventory> now) {
        try {
            listener.accept(now);
        } catch (RuntimeException e) {
            LOG.error("tenant={} cluster={} a listener of the remote inventories failed; the others are told as before",
                    tenant, cluster, e);
        }
    }

    private static Map<String, ClusterInventory> inventories(Map<String, InventoryVerifier.Verified> held) {
        Map<String, ClusterInventory> inventories = new LinkedHashMap<>();
        held.forEach((name, verified) -> inventories.put(name, verified.inventory()));
        return Collections.unmodifiableMap(inventories);
    }

    /** Stops reading and writes what is held. */
    @Override
    public void close() {
        reader.close();
        writer.shutdown();
        try {
            writer.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        saveIfDue(true);
    }
}

package dev.fedmesh.agent.kafka;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows chosen partitions of one topic from the beginning, without a consumer group, on a daemon
 * thread of its own: the way an agent reads what the control plane publishes for it. While the topic
 * does not exist or Kafka does not answer it waits, retrying every second; partitions added later
 * are read from the beginning; and nothing but {@link #close()} ends the thread, since an agent
 * that stops reading serves what it has forever.
 *
 * @param <K> the records' key type
 */
public final class TopicReader<K> implements AutoCloseable {

    /** What a reader does with what it reads. */
    public interface Handler<K> {

        /** One poll's records, in order; never called with none. */
        void records(ConsumerRecords<K, byte[]> records);

        /**
         * Called after every poll with {@code false}, and with {@code true} while the topic cannot be
         * read and once more as the reader stops: a moment for work that may wait (e.g. a write to disk).
         */
        default void between(boolean idle) {
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(TopicReader.class);
    private static final Duration POLL = Duration.ofMillis(500);
    /** How long a metadata request may take; the consumer's {@code default.api.timeout.ms} should match. */
    public static final Duration METADATA_TIMEOUT = Duration.ofSeconds(5);
    private static final long PARTITION_REFRESH_MILLIS = 10_000;
    private static final long RETRY_MILLIS = 1_000;

    private final KafkaConsumer<K, byte[]> consumer;
    private final String topic;
    private final String who;
    private final Supplier<String> keeping;
    private final Function<List<PartitionInfo>, Set<TopicPartition>> choose;
    private final Handler<K> handler;
    private final Thread thread;
    private final Object pause = new Object();
    private volatile boolean closed;
    private boolean started;

    /**
     * A reader of {@code topic} through {@code consumer} (which it closes), on a thread named
     * {@code threadName}. {@code choose} picks the partitions to read from the topic's; {@code who}
     * starts every log line (e.g. {@code tenant=acme cluster=east}) and {@code keeping} says what the
     * agent goes on with while reading fails (e.g. {@code still serving the current config}).
     */
    public TopicReader(KafkaConsumer<K, byte[]> consumer, String topic, String threadName, String who,
                       Supplier<String> keeping, Function<List<PartitionInfo>, Set<TopicPartition>> choose,
                       Handler<K> handler) {
        this.consumer = consumer;
        this.topic = topic;
        this.who = who;
        this.keeping = keeping;
        this.choose = choose;
        this.handler = handler;
        this.thread = new Thread(this::run, threadName);
        this.thread.setDaemon(true);
    }

    /** Starts reading on the reader's own thread. */
    public synchronized void start() {
        started = true;
        thread.start();
    }

    private void run() {
        Set<TopicPartition> assigned = new HashSet<>();
        long nextPartitionCheck = 0;
        boolean toldWaiting = false;
        try {
            while (!closed) {
                try {
                    if (System.currentTimeMillis() >= nextPartitionCheck) {
                        Set<TopicPartition> partitions = partitions();
                        if (partitions.isEmpty()) {
                            if (!toldWaiting) {
                                LOG.info("{} topic {} does not exist yet (or Kafka at the configured bootstrap servers"
                                        + " does not answer); {}, retrying every {} ms", who, topic, keeping.get(),
                                        RETRY_MILLIS);
                                toldWaiting = true;
                            }
                            handler.between(true);
                            sleep(RETRY_MILLIS);
                            continue;
                        }
                        if (!partitions.equals(assigned)) {
                            Set<TopicPartition> added = new HashSet<>(partitions);
                            added.removeAll(assigned);
                            consumer.assign(partitions);
                            consumer.seekToBeginning(added);
                            LOG.info("{} reading partition(s) {} of {} from the beginning", who, added, topic);
                            assigned = partitions;
                        }
                        nextPartitionCheck = System.currentTimeMillis() + PARTITION_REFRESH_MILLIS;
                    }
                    ConsumerRecords<K, byte[]> records = consumer.poll(POLL);
                    if (!records.isEmpty()) {
                        handler.records(records);
                    }
                    handler.between(false);
                } catch (WakeupException e) {
                    if (!closed) {
                        throw e;
                    }
                } catch (KafkaException e) {
                    LOG.warn("{} reading {} failed: {}; {}, retrying in {} ms", who, topic, e.toString(),
                            keeping.get(), RETRY_MILLIS);
                    sleep(RETRY_MILLIS);
                    nextPartitionCheck = 0;
                } catch (RuntimeException e) {
                    LOG.error("{} reading {} failed unexpectedly; {}, retrying in {} ms", who, topic, keeping.get(),
                            RETRY_MILLIS, e);
                    sleep(RETRY_MILLIS);
                    nextPartitionCheck = 0;
                }
            }
        } finally {
            Thread.interrupted();
            try {
                handler.between(true);
            } finally {
                consumer.close(Duration.ofSeconds(5));
            }
        }
    }

    private Set<TopicPartition> partitions() {
        List<PartitionInfo> infos;
        try {
            infos = consumer.partitionsFor(topic, METADATA_TIMEOUT);
        } catch (TimeoutException e) {
            return Set.of();
        }
        if (infos == null || infos.isEmpty()) {
            return Set.of();
        }
        return choose.apply(infos);
    }

    /** Waits between retries; {@link #close()} ends the wait at once without interrupting the thread. */
    private void sleep(long millis) {
        synchronized (pause) {
            try {
                if (!closed) {
                    pause.wait(millis);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                closed = true;
            }
        }
    }

    /** Stops reading: wakes the poll and any wait, and waits up to 10 s for the thread to end. */
    @Override
    public void close() {
        boolean running;
        synchronized (this) {
            closed = true;
            running = started;
        }
        if (!running) {
            consumer.close(Duration.ZERO);
            return;
        }
        // Wake the poll and any retry wait; an interrupt could land inside the consumer's own close.
        consumer.wakeup();
        synchronized (pause) {
            pause.notifyAll();
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package dev.fedmesh.agent.status;

import com.google.protobuf.ByteString;
import dev.fedmesh.api.KafkaTopics;
import dev.fedmesh.api.ReportedProxies;
import dev.fedmesh.api.KafkaClientSecurity;
import dev.fedmesh.agent.desired.ConfigApplyFailure;
import dev.fedmesh.agent.desired.ConfigRefusal;
import dev.fedmesh.agent.xds.ServedSnapshot;
import dev.fedmesh.api.v1.ApplyFailure;
import dev.fedmesh.api.v1.ClusterStatus;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.IntermediateRequest;
import dev.fedmesh.api.v1.ProxyStatus;
import dev.fedmesh.policy.compiler.DesiredConfigEnvelopes;
import dev.fedmesh.trust.credential.ClusterCredentialKeys;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends this cluster's {@link ClusterStatus} to the tenant's status topic, keyed by cluster:
 * within 50 ms of every change (a config applied, a proxy connecting, ACKing, NACKing or leaving)
 * and at least every heartbeat interval. Runs on its own thread, so neither xDS nor the desired-config
 * consumer ever waits for Kafka; a report that cannot be sent is superseded by the next one. Each
 * record carries the HMAC of its bytes by the cluster's bootstrap credential
 * ({@link KafkaTopics#REPORT_MAC_HEADER}): the control plane takes no report without it. However
 * many proxies connect, a report lists a bounded number of them ({@link ReportedProxies}) and
 * counts them all.
 */
public final class StatusReporter implements AutoCloseable {

    /** How often a quiet agent reports anyway, so the control plane can tell it is alive. */
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(10);

    private static final Logger LOG = LoggerFactory.getLogger(StatusReporter.class);
    // The most a burst of changes delays its report; also bounds reports to 20 a second.
    private static final Duration MIN_GAP = Duration.ofMillis(50);
    // How long a change waits for the next ones: a config applied is followed within milliseconds by
    // its proxies' ACKs, and one report then says both, instead of one saying the proxies are stale.
    private static final Duration SETTLE = Duration.ofMillis(20);

    private final String tenant;
    private final String cluster;
    private final String topic;
    private final Duration heartbeatInterval;
    private final Supplier<ServedSnapshot> servedXds;
    private final Optional<ClusterCredentialKeys> keys;
    private final ProxyTracker proxies = new ProxyTracker(this::changed);
    private final KafkaProducer<String, byte[]> producer;
    private final Thread thread;
    private long appliedRevision = -1;
    private ByteString appliedSha256 = ByteString.EMPTY;
    private Instant appliedAt;
    private long sequence;
    private boolean dirty = true;
    private long dirtySince = System.nanoTime();
    private boolean closed;
    private volatile boolean failing;
    private volatile Supplier<String> lastRefusal = () -> "";
    private volatile Supplier<Optional<IntermediateRequest>> intermediateRequest = Optional::empty;
    private volatile Supplier<Optional<Instant>> intermediateNotAfter = Optional::empty;
    private volatile Supplier<Optional<String>> svidRootSha256 = Optional::empty;
    private volatile Supplier<Optional<ConfigApplyFailure>> applyFailure = Optional::empty;

    /**
     * A reporter for one cluster whose Kafka producer authenticates with {@code security};
     * {@code servedXds} gives the xDS snapshot being served (null before the first config), and
     * {@code keys} (derived from the cluster's bootstrap credential) authenticate every report:
     * without them reports are sent, for a local reader, but the control plane takes none. Nothing is
     * sent before {@link #start}.
     */
    public StatusReporter(String bootstrapServers, KafkaClientSecurity security, String topicPrefix, String tenant,
                          String cluster, Duration heartbeatInterval, Supplier<ServedSnapshot> servedXds,
                          Optional<ClusterCredentialKeys> keys) {
        this.tenant = tenant;
        this.cluster = cluster;
        this.topic = KafkaTopics.status(topicPrefix, tenant);
        this.heartbeatInterval = heartbeatInterval;
        this.servedXds = servedXds;
        this.keys = keys;
        if (keys.isEmpty()) {
            LOG.warn("tenant={} cluster={} has no bootstrap credential: its status reports carry no HMAC and the control"
                    + " plane does not take them, so the cluster shows no status; set fedmesh.agent.bootstrap-credential-file"
                    + " (FEDMESH_AGENT_BOOTSTRAP_CREDENTIAL_FILE) to the file holding the cluster's credential", tenant,
                    cluster);
        }
        this.producer = new KafkaProducer<>(properties(bootstrapServers, security, tenant, cluster),
                new StringSerializer(), new ByteArraySerializer());
        this.thread = new Thread(this::run, "fedmesh-status-" + tenant + "-" + cluster);
        this.thread.setDaemon(true);
    }

    private static Properties properties(String bootstrapServers, KafkaClientSecurity security, String tenant,
                                         String cluster) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "fedmesh-agent-status-" + tenant + "-" + cluster);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        // While Kafka is away a send fails fast; the next report carries the newer state anyway.
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 2_000);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000);
        // An idempotent producer whose first login fails (an agent started before the distributor
        // created its credential) fails every later send too; reports are whole and ordered by their
        // sequence, so a plain producer that retries the login is the right one.
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        security.applyTo(props);
        return props;
    }

    /** The xDS server's callbacks that keep the per-proxy part of the report. */
    public ProxyTracker proxyTracker() {
        return proxies;
    }

    /**
     * Every connected proxy as the next report will show it: what each ACKed or NACKed, judged
     * against the snapshot being served now.
     */
    public List<ProxyStatus> proxies() {
        return proxies.proxies(servedXds.get());
    }

    /** Records a newly applied desired config, for the report that follows at once. */
    public void configApplied(DesiredConfig config) {
        byte[] sha256 = DesiredConfigEnvelopes.sha256(DesiredConfigEnvelopes.deterministicBytes(config));
        synchronized (this) {
            appliedRevision = config.getRevision();
            appliedSha256 = ByteString.copyFrom(sha256);
            appliedAt = Instant.now();
        }
        changed();
    }

    /**
     * Starts reporting on its own daemon thread; {@code lastRefusal} says why the agent last
     * refused a desired-config record (empty when it refused none), read for every report.
     */
    public synchronized void start(Supplier<String> lastRefusal) {
        this.lastRefusal = lastRefusal;
        thread.start();
    }

    /**
     * Puts the agent's intermediate request (while it needs one) and its intermediate's expiry (while
     * it holds one) in every report, both read for each report.
     */
    public void reportIntermediate(Supplier<Optional<IntermediateRequest>> request,
                                   Supplier<Optional<Instant>> notAfter) {
        this.intermediateRequest = request;
        this.intermediateNotAfter = notAfter;
    }

    /**
     * Puts the hex SHA-256 of the root every workload SVID of the agent chains to (while there is one)
     * in every report as {@code svid_root_sha256}, read for each report.
     */
    public void reportSvidRoot(Supplier<Optional<String>> rootSha256) {
        this.svidRootSha256 = rootSha256;
    }

    /**
     * Puts the newest config the agent could not apply (while there is one) in every report as
     * {@code apply_failure}, read for each report.
     */
    public void reportApplyFailure(Supplier<Optional<ConfigApplyFailure>> failure) {
        this.applyFailure = failure;
    }

    /**
     * Sends a report soon (a change waits 20 ms for the ones following it, its proxies' ACKs say), for
     * something the report reads when it is made: the intermediate
     * request, the intermediate or the SVIDs' root changed, or a desired-config record was refused.
     */
    public void reportNow() {
        changed();
    }

    /**
     * Sends {@code value} to the status topic keyed by this cluster as a record of {@code kind}
     * ({@link KafkaTopics#RECORD_KIND_HEADER}, e.g. {@link KafkaTopics#INVENTORY_RECORD_KIND}),
     * carrying the HMAC of the cluster's credential over the kind and the value
     * ({@link KafkaTopics#authenticatedBytes}), through the reporter's own producer. Does not wait:
     * the future completes once the broker has the record, or with the error.
     */
    public CompletableFuture<Void> send(String kind, byte[] value) {
        CompletableFuture<Void> sent = new CompletableFuture<>();
        try {
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, cluster, value);
            record.headers().add(KafkaTopics.RECORD_KIND_HEADER, kind.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            keys.ifPresent(known -> record.headers().add(KafkaTopics.REPORT_MAC_HEADER,
                    known.reportMac(tenant, cluster, KafkaTopics.authenticatedBytes(kind, value))));
            producer.send(record, (metadata, error) -> {
                if (error != null) {
                    sent.completeExceptionally(error);
                } else {
                    sent.complete(null);
                }
            });
        } catch (KafkaException e) {
            sent.completeExceptionally(e);
        }
        return sent;
    }

    /** A refusal as one line for a person: what was refused, where, by which key, when and why. */
    public static String describe(ConfigRefusal refusal) {
        return refusal.reason() + ": record " + refusal.source() + " (key id "
                + (refusal.keyId().isEmpty() ? "none" : refusal.keyId()) + ") refused at " + refusal.refusedAt()
                + ": " + refusal.detail();
    }

    private synchronized void changed() {
        if (!dirty) {
            dirty = true;
            dirtySince = System.nanoTime();
        }
        notifyAll();
    }

    private void run() {
        while (true) {
            synchronized (this) {
                long now = System.nanoTime();
                long heartbeat = now + heartbeatInterval.toNanos();
                // A proxy connecting sends several requests at once: one report covers them all.
                long earliest = now + MIN_GAP.toNanos();
                while (!closed) {
                    now = System.nanoTime();
                    long until = dirty ? Math.max(earliest, dirtySince + SETTLE.toNanos()) : heartbeat;
                    if (now >= until) {
                        break;
                    }
                    try {
                        wait(Math.max(1, (until - now) / 1_000_000));
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) {
                    return;
                }
                dirty = false;
            }
            send(report());
        }
    }

    /** The report as of now. */
    private ClusterStatus report() {
        // Read before taking this reporter's lock: the snapshot publisher holds its own lock while
        // proxies are answered, and those answers report changes here.
        ServedSnapshot served = servedXds.get();
        ReportedProxies connected = ReportedProxies.of(proxies.proxies(served));
        String refusal = lastRefusal.get();
        Optional<IntermediateRequest> request = intermediateRequest.get();
        Optional<Instant> notAfter = intermediateNotAfter.get();
        Optional<String> svidRoot = svidRootSha256.get();
        Optional<ConfigApplyFailure> failure = applyFailure.get();
        ClusterStatus.Builder status;
        synchronized (this) {
            status = build(served, connected, refusal).toBuilder();
        }
        request.ifPresent(status::setIntermediateRequest);
        notAfter.ifPresent(at -> status.setIntermediateNotAfter(ProxyTracker.timestamp(at)));
        svidRoot.ifPresent(hex -> status.setSvidRootSha256(ByteString.copyFrom(HexFormat.of().parseHex(hex))));
        failure.ifPresent(f -> status.setApplyFailure(ApplyFailure.newBuilder()
                .setRevision(f.revision())
                .setError(f.error())
                .setFailedAt(ProxyTracker.timestamp(f.failedAt()))
                .setAttempts(f.attempts())));
        return status.build();
    }

    private ClusterStatus build(ServedSnapshot served, ReportedProxies connected, String refusal) {
        ClusterStatus.Builder status = ClusterStatus.newBuilder()
                .setTenant(tenant)
                .setCluster(cluster)
                .setAppliedRevision(appliedRevision)
                .setConfigSha256(appliedSha256)
                .setXdsVersion(served == null ? "" : served.version())
                .addAllProxies(connected.listed())
                .setProxyCounts(connected.counts())
                .setReportedAt(ProxyTracker.timestamp(Instant.now()))
                .setHeartbeatSequence(++sequence)
                .setLastRefusal(refusal);
        if (appliedAt != null) {
            status.setAppliedAt(ProxyTracker.timestamp(appliedAt));
        }
        return status.build();
    }

    private void send(ClusterStatus report) {
        try {
            byte[] value = report.toByteArray();
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, cluster, value);
            keys.ifPresent(known -> record.headers().add(KafkaTopics.REPORT_MAC_HEADER,
                    known.reportMac(tenant, cluster, value)));
            producer.send(record, (metadata, error) -> {
                if (error != null) {
                    failed(report, error);
                } else if (failing) {
                    failing = false;
                    LOG.info("tenant={} cluster={} status reports reach {} again", tenant, cluster, topic);
                }
            });
        } catch (KafkaException e) {
            failed(report, e);
        }
    }

    private void failed(ClusterStatus report, Exception error) {
        if (!failing) {
            failing = true;
            LOG.warn("tenant={} cluster={} cannot send status report {} to {} ({}); proxies are served as"
                            + " before, and the next report is sent within {} s (the distributor creates the"
                            + " topic with the tenant's first published config)", tenant, cluster,
                    report.getHeartbeatSequence(), topic, error.toString(), heartbeatInterval.toSeconds());
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(2));
    }
}

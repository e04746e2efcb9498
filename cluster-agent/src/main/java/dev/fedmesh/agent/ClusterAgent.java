package dev.fedmesh.agent;

import dev.fedmesh.agent.desired.ConfigApplyFailure;
import dev.fedmesh.agent.desired.ConfigRefusal;
import dev.fedmesh.agent.desired.DesiredConfigApplier;
import dev.fedmesh.agent.desired.DesiredConfigConsumer;
import dev.fedmesh.agent.desired.EnvelopeVerifier;
import dev.fedmesh.agent.desired.LastKnownGood;
import dev.fedmesh.agent.federation.EndpointsInventory;
import dev.fedmesh.agent.federation.InventoryPublisher;
import dev.fedmesh.agent.federation.InventoryPublishing;
import dev.fedmesh.agent.federation.RemoteInventories;
import dev.fedmesh.agent.identity.WorkloadCertificateFiles;
import dev.fedmesh.agent.inventory.LocalInventory;
import dev.fedmesh.agent.sds.SecretDiscovery;
import dev.fedmesh.agent.status.StatusReporter;
import dev.fedmesh.agent.trust.BootstrapCredential;
import dev.fedmesh.agent.trust.ClusterTrust;
import dev.fedmesh.agent.trust.IntermediateKeyFiles;
import dev.fedmesh.agent.trust.IntermediateRotation;
import dev.fedmesh.agent.trust.WorkloadSvids;
import dev.fedmesh.agent.xds.AdsServer;
import dev.fedmesh.agent.xds.XdsSnapshotPublisher;
import dev.fedmesh.api.KafkaTopics;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.ProxyStatus;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One cluster's agent: serves the cluster's proxies over ADS from the newest desired config it has
 * (Kafka, or the last-known-good file until Kafka answers) and its local inventory, and, when a
 * socket is set, its workloads' SVIDs and the trust bundle over SDS. It publishes its inventory for
 * the tenant's other clusters and holds theirs ({@link #remoteInventories}).
 */
public final class ClusterAgent implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterAgent.class);

    private final AgentSettings settings;
    private final LocalInventory inventory;
    private final DesiredConfigApplier applier;
    private final AdsServer adsServer;
    private final DesiredConfigConsumer consumer;
    private final StatusReporter status;
    private final ClusterTrust trust;
    private final SecretDiscovery sds;
    private final InventoryPublisher inventoryPublisher;
    private final RemoteInventories remoteInventories;
    private boolean closed;

    private ClusterAgent(AgentSettings settings, LocalInventory inventory, DesiredConfigApplier applier,
                         AdsServer adsServer, DesiredConfigConsumer consumer, StatusReporter status,
                         ClusterTrust trust, SecretDiscovery sds, InventoryPublisher inventoryPublisher,
                         RemoteInventories remoteInventories) {
        this.settings = settings;
        this.inventory = inventory;
        this.applier = applier;
        this.adsServer = adsServer;
        this.consumer = consumer;
        this.status = status;
        this.trust = trust;
        this.sds = sds;
        this.inventoryPublisher = inventoryPublisher;
        this.remoteInventories = remoteInventories;
    }

    /**
     * Starts the agent: restores the last-known-good config (before Kafka is asked anything),
     * serves xDS, then follows the tenant's desired topic.
     */
    public static ClusterAgent start(AgentSettings settings) {
        // Every proxy of the cluster gets the same resources, so all nodes share one snapshot group.
        String group = settings.tenant() + "/" + settings.cluster();
        SimpleCache<String> cache = new SimpleCache<>(node -> group);
        XdsSnapshotPublisher publisher = new XdsSnapshotPublisher(cache, group, settings.tenant(), settings.cluster());
        LocalInventory inventory = new LocalInventory();
        settings.endpoints().forEach(inventory::register);
        inventory.addListener(publisher::inventoryChanged);

        StatusReporter status = new StatusReporter(settings.kafkaBootstrapServers(), settings.kafkaSecurity(),
                settings.topicPrefix(), settings.tenant(), settings.cluster(), StatusReporter.DEFAULT_HEARTBEAT_INTERVAL,
                publisher::served, settings.trust().bootstrapCredential().map(BootstrapCredential::keys));
        // Keys and workload files per tenant and cluster, like the last-known-good config: agents may share a state directory.
        Path trustDirectory = settings.stateDirectory().resolve(settings.tenant()).resolve(settings.cluster());
        ClusterTrust trust = new ClusterTrust(settings.tenant(), settings.cluster(),
                new IntermediateRotation(settings.tenant(), settings.cluster(), new IntermediateKeyFiles(trustDirectory),
                        settings.trust().bootstrapCredential()),
                new WorkloadSvids(trustDirectory.resolve("workloads")), inventory::endpoints,
                settings.trust().svidTtl(), status::reportNow, Clock.systemUTC());
        status.reportIntermediate(trust::request, trust::intermediateNotAfter);
        status.reportSvidRoot(trust::svidRootSha256);
        inventory.addListener((endpoints, generation) -> trust.endpointsChanged());
        DesiredConfigApplier applier = new DesiredConfigApplier(settings.tenant(), settings.cluster(),
                new LastKnownGood(settings.stateDirectory(), settings.tenant(), settings.cluster()),
                new DesiredConfigApplier.Steps() {
                    @Override
                    public Runnable prepareServing(DesiredConfig config) {
                        Runnable serve = publisher.prepare(config);
                        return () -> {
                            serve.run();
                            status.configApplied(config);
                        };
                    }

                    @Override
                    public void takeTrust(DesiredConfig config) {
                        trust.configApplied(config);
                    }
                }, status::reportNow, Clock.systemUTC());
        status.reportApplyFailure(applier::applyFailure);
        SecretDiscovery sds;
        try {
            sds = SecretDiscovery.start(settings.sdsSocket(), inventory, trust);
        } catch (RuntimeException e) {
            applier.close();
            status.close();
            trust.close();
            throw e;
        }
        applier.restoreLastKnownGood();

        AdsServer adsServer;
        try {
            adsServer = AdsServer.start(cache, settings.xdsHost(), settings.xdsPort(), settings.xdsTls(),
                    status.proxyTracker());
        } catch (RuntimeException e) {
            applier.close();
            sds.close();
            status.close();
            trust.close();
            throw e;
        }
        DesiredConfigConsumer consumer;
        try {
            consumer = new DesiredConfigConsumer(settings.kafkaBootstrapServers(), settings.kafkaSecurity(),
                    settings.desiredTopic(),
                    settings.tenant(), settings.cluster(), new EnvelopeVerifier(settings.configVerifier()),
                    applier::offer, status::reportNow);
        } catch (RuntimeException e) {
            adsServer.close();
            applier.close();
            sds.close();
            status.close();
            trust.close();
            throw e;
        }
        InventoryPublisher inventoryPublisher = new InventoryPublisher(settings.tenant(), settings.cluster(),
                () -> EndpointsInventory.of(settings.tenant(), settings.cluster(), inventory.generation(),
                        inventory.endpoints(), Instant.now()),
                bytes -> status.send(KafkaTopics.INVENTORY_RECORD_KIND, bytes), InventoryPublishing.defaults());
        inventory.addListener((endpoints, generation) -> inventoryPublisher.changed());
        RemoteInventories remoteInventories = new RemoteInventories(settings.kafkaBootstrapServers(),
                settings.kafkaSecurity(), settings.topicPrefix(), settings.tenant(), settings.cluster(),
                settings.configVerifier(), settings.stateDirectory());
        ClusterAgent agent = new ClusterAgent(settings, inventory, applier, adsServer, consumer, status, trust, sds,
                inventoryPublisher, remoteInventories);
        remoteInventories.start();
        consumer.start();
        trust.start(ClusterTrust.DEFAULT_CHECK_INTERVAL);
        status.start(() -> agent.lastRefusal().map(StatusReporter::describe).orElse(""));
        inventoryPublisher.start();
        LOG.info("tenant={} cluster={} agent serving xDS on {}:{} ({}; {} static endpoint(s)), following {} at {},"
                        + " state in {}, applying configs signed by key(s) {}", settings.tenant(), settings.cluster(),
                settings.xdsHost(), adsServer.port(), settings.xdsTls()
                        .map(tls -> "TLS, to clients with a certificate of " + tls.clientCaFile())
                        .orElse("plaintext"), settings.endpoints().size(), settings.desiredTopic(),
                settings.kafkaBootstrapServers(), settings.stateDirectory().toAbsolutePath(),
                settings.configVerifier().keyIds());
        return agent;
    }

    public AgentSettings settings() {
        return settings;
    }

    /** The port the ADS server listens on (the chosen one when the settings asked for 0). */
    public int xdsPort() {
        return adsServer.port();
    }

    /** This cluster's local endpoints; changes are served to proxies at once. */
    public LocalInventory inventory() {
        return inventory;
    }

    /**
     * Every proxy connected to this agent, what it ACKed or NACKed and whether it is in sync with the
     * snapshot served now: the per-proxy part of the agent's status report, as of this moment.
     */
    public List<ProxyStatus> proxies() {
        return status.proxies();
    }

    /**
     * The inventories of the tenant's other clusters, as the control plane republished them (restored
     * from the state directory at start, before Kafka answers); add a listener to be told of each change.
     */
    public RemoteInventories remoteInventories() {
        return remoteInventories;
    }

    /** The revision of the desired config being served, or -1 before the first. */
    public long appliedRevision() {
        return applier.appliedRevision();
    }

    /**
     * The last desired-config record this agent refused since it started (unsigned, signed by an
     * untrusted key, a signature or digest that does not match), with why; it stays until another
     * is refused, also after a later valid config was applied.
     */
    public Optional<ConfigRefusal> lastRefusal() {
        return consumer.lastRefusal();
    }

    /**
     * The newest verified config this agent could not apply and is trying again, with why; empty once
     * it applied that revision or a newer one.
     */
    public Optional<ConfigApplyFailure> applyFailure() {
        return applier.applyFailure();
    }

    /** How many desired-config records this agent refused since it started. */
    public long refusedRecords() {
        return consumer.refusedRecords();
    }

    /** Where the agent keeps the SVID files of {@code service}'s local workloads in {@code namespace} (usually {@code default}). */
    public WorkloadCertificateFiles workloadFiles(String namespace, String service) {
        return trust.files(namespace, service);
    }

    /** Until when the intermediate CA this cluster issues SVIDs from is valid; empty while it holds none. */
    public Optional<Instant> intermediateNotAfter() {
        return trust.intermediateNotAfter();
    }

    /** Applies a config as if it had come from Kafka: only when it is newer than the applied one. */
    boolean offer(DesiredConfig config) {
        return applier.offer(config, "a direct offer");
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        consumer.close();
        remoteInventories.close();
        applier.close();
        trust.close();
        inventoryPublisher.close();
        status.close();
        adsServer.close();
        sds.close();
        LOG.info("tenant={} cluster={} agent stopped at revision {}", settings.tenant(), settings.cluster(),
                applier.appliedRevision());
    }
}

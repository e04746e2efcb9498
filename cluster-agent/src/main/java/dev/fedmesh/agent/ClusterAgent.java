package dev.fedmesh.agent;

import dev.fedmesh.agent.desired.ConfigApplyFailure;
import dev.fedmesh.agent.desired.ConfigRefusal;
import dev.fedmesh.agent.desired.DesiredConfigApplier;
import dev.fedmesh.agent.desired.DesiredConfigConsumer;
import dev.fedmesh.agent.desired.EnvelopeVerifier;
import dev.fedmesh.agent.desired.LastKnownGood;
import dev.fedmesh.agent.failover.ClusterReachability;
import dev.fedmesh.agent.federation.InventoryPublisher;
import dev.fedmesh.agent.federation.InventoryPublishing;
import dev.fedmesh.agent.federation.RemoteInventories;
import dev.fedmesh.agent.health.EndpointHealthChecks;
import dev.fedmesh.agent.health.ProbeIdentity;
import dev.fedmesh.agent.health.LocalEndpointHealth;
import dev.fedmesh.agent.health.TcpProber;
import dev.fedmesh.agent.identity.WorkloadCertificateFiles;
import dev.fedmesh.agent.inventory.InventoryState;
import dev.fedmesh.agent.inventory.LocalInventory;
import dev.fedmesh.agent.registration.ConnectedWorkloads;
import dev.fedmesh.agent.registration.RegistrationApi;
import dev.fedmesh.agent.sds.SecretDiscovery;
import dev.fedmesh.agent.status.StatusReporter;
import dev.fedmesh.agent.trust.BootstrapCredential;
import dev.fedmesh.agent.trust.ClusterTrust;
import dev.fedmesh.agent.trust.IntermediateKeyFiles;
import dev.fedmesh.agent.trust.IntermediateRotation;
import dev.fedmesh.agent.trust.WorkloadSvids;
import dev.fedmesh.agent.xds.AdsServer;
import dev.fedmesh.agent.xds.ProxySnapshots;
import dev.fedmesh.agent.xds.SidecarNodes;
import dev.fedmesh.agent.xds.XdsSnapshotPublisher;
import dev.fedmesh.api.KafkaTopics;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.ProxyStatus;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One cluster's agent: serves the cluster's proxies over ADS from the newest desired config it has
 * (Kafka, or the last-known-good file until Kafka answers), its local inventory and the other
 * clusters' inventories, nearest first and failing over by its own probes; and, when a socket is
 * set, its workloads' SVIDs and the trust bundle over SDS. It publishes its inventory for the
 * tenant's other clusters.
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
    private final InventoryState inventoryState;
    private final ConnectedWorkloads connected;
    private final Optional<RegistrationApi> registrationApi;
    private final RemoteInventories remoteInventories;
    private final InventoryPublisher inventoryPublisher;
    private final TcpProber prober;
    private final LocalEndpointHealth localHealth;
    private final EndpointHealthChecks healthChecks;
    private final ClusterReachability reachability;
    private final XdsSnapshotPublisher publisher;
    private boolean closed;

    private ClusterAgent(Parts parts) {
        this.settings = parts.settings;
        this.inventory = parts.inventory;
        this.applier = parts.applier;
        this.adsServer = parts.adsServer;
        this.consumer = parts.consumer;
        this.status = parts.status;
        this.trust = parts.trust;
        this.sds = parts.sds;
        this.inventoryState = parts.inventoryState;
        this.connected = parts.connected;
        this.registrationApi = parts.registrationApi;
        this.remoteInventories = parts.remoteInventories;
        this.inventoryPublisher = parts.inventoryPublisher;
        this.prober = parts.prober;
        this.localHealth = parts.localHealth;
        this.healthChecks = parts.healthChecks;
        this.reachability = parts.reachability;
        this.publisher = parts.publisher;
    }

    /** What {@link #start} has built so far; what it opened is closed, last first, should a later step fail. */
    private static final class Parts {
        private final Deque<AutoCloseable> opened = new ArrayDeque<>();
        private AgentSettings settings;
        private LocalInventory inventory;
        private DesiredConfigApplier applier;
        private AdsServer adsServer;
        private DesiredConfigConsumer consumer;
        private StatusReporter status;
        private ClusterTrust trust;
        private SecretDiscovery sds;
        private InventoryState inventoryState;
        private ConnectedWorkloads connected;
        private Optional<RegistrationApi> registrationApi = Optional.empty();
        private RemoteInventories remoteInventories;
        private InventoryPublisher inventoryPublisher;
        private TcpProber prober;
        private LocalEndpointHealth localHealth;
        private EndpointHealthChecks healthChecks;
        private ClusterReachability reachability;
        private XdsSnapshotPublisher publisher;

        private <T extends AutoCloseable> T opened(T part) {
            opened.push(part);
            return part;
        }

        private void closeOpened() {
            while (!opened.isEmpty()) {
                try {
                    opened.pop().close();
                } catch (Exception e) {
                    LOG.warn("a part of the agent failed to close after a failed start: {}", e.toString());
                }
            }
        }
    }

    /**
     * Starts the agent: restores what it kept (the last-known-good config, its endpoints, the other
     * clusters' inventories) before Kafka is asked anything, serves xDS, then follows the tenant's
     * desired and inventory topics, publishes its own inventory and probes its endpoints and the
     * other clusters.
     */
    public static ClusterAgent start(AgentSettings settings) {
        Parts parts = new Parts();
        try {
            build(settings, parts);
        } catch (RuntimeException e) {
            parts.closeOpened();
            throw e;
        }
        ClusterAgent agent = new ClusterAgent(parts);
        parts.remoteInventories.start();
        parts.consumer.start();
        parts.trust.start(ClusterTrust.DEFAULT_CHECK_INTERVAL);
        parts.status.start(() -> agent.lastRefusal().map(StatusReporter::describe).orElse(""));
        parts.inventoryPublisher.start();
        parts.localHealth.start();
        parts.reachability.start();
        LOG.info("tenant={} cluster={} agent serving xDS on {}:{} ({}; {} static endpoint(s)), registration API {},"
                        + " following {} at {}, state in {}, applying configs signed by key(s) {}; probing every {}"
                        + " (fall {}, rise {})", settings.tenant(),
                settings.cluster(), settings.xdsHost(), parts.adsServer.port(), settings.xdsTls()
                        .map(tls -> "TLS, to clients with a certificate of " + tls.clientCaFile())
                        .orElse("plaintext"), settings.endpoints().size(),
                parts.registrationApi.map(api -> "on " + api.address().getHostString() + ":" + api.address().getPort())
                        .orElse("off"), settings.desiredTopic(),
                settings.kafkaBootstrapServers(), settings.stateDirectory().toAbsolutePath(),
                settings.configVerifier().keyIds(), settings.probes().interval(), settings.probes().fall(),
                settings.probes().rise());
        return agent;
    }

    /** Node metadata that marks the cluster's east-west gateway Envoy. */
    public static final String ROLE_METADATA = "fedmesh.role";
    public static final String EAST_WEST_GATEWAY_ROLE = "east-west-gateway";

    private static boolean isEastWestGateway(io.envoyproxy.envoy.config.core.v3.Node node) {
        com.google.protobuf.Value role = node.getMetadata().getFieldsMap().get(ROLE_METADATA);
        return role != null && EAST_WEST_GATEWAY_ROLE.equals(role.getStringValue());
    }

    private static void build(AgentSettings settings, Parts parts) {
        parts.settings = settings;
        String tenant = settings.tenant();
        String cluster = settings.cluster();
        // Every proxy of the cluster gets the same resources, so all nodes share one snapshot group.
        String group = tenant + "/" + cluster;
        // ...except the cluster's east-west gateway, which gets its own listener and nothing else, and
        // each Envoy sidecar workload, which gets its own listeners and its SVID in its clusters.
        String gatewayGroup = XdsSnapshotPublisher.gatewayGroup(group);
        ProxySnapshots cache = new ProxySnapshots(node -> isEastWestGateway(node) ? gatewayGroup
                : SidecarNodes.workload(node).map(sidecar -> SidecarNodes.group(group, sidecar)).orElse(group));
        XdsSnapshotPublisher publisher = parts.opened(new XdsSnapshotPublisher(cache, group, tenant, cluster));
        SidecarNodes sidecars = new SidecarNodes(tenant, cluster, publisher::sidecarsChanged);
        parts.publisher = publisher;
        LocalInventory inventory = new LocalInventory();
        parts.inventory = inventory;
        settings.endpoints().forEach(inventory::register);
        // Keys, workload files and kept endpoints per tenant and cluster, like the last-known-good config:
        // agents may share a state directory.
        Path clusterDirectory = settings.stateDirectory().resolve(tenant).resolve(cluster);
        parts.inventoryState = parts.opened(new InventoryState(clusterDirectory, tenant, cluster));
        parts.inventoryState.attach(inventory, settings.reconnectGracePeriod());
        inventory.addListener((endpoints, generation) -> publisher.localChanged(inventory.snapshot(tenant, cluster)));
        parts.connected = parts.opened(new ConnectedWorkloads(tenant, cluster, inventory));

        StatusReporter status = parts.opened(new StatusReporter(settings.kafkaBootstrapServers(),
                settings.kafkaSecurity(), settings.topicPrefix(), tenant, cluster,
                StatusReporter.DEFAULT_HEARTBEAT_INTERVAL, publisher::served,
                settings.trust().bootstrapCredential().map(BootstrapCredential::keys)));
        parts.status = status;
        ClusterTrust trust = parts.opened(new ClusterTrust(tenant, cluster,
                new IntermediateRotation(tenant, cluster, new IntermediateKeyFiles(clusterDirectory),
                        settings.trust().bootstrapCredential()),
                new WorkloadSvids(clusterDirectory.resolve("workloads")), inventory::endpoints,
                settings.trust().svidTtl(), status::reportNow, Clock.systemUTC()));
        parts.trust = trust;
        status.reportIntermediate(trust::request, trust::intermediateNotAfter);
        status.reportSvidRoot(trust::svidRootSha256);
        inventory.addListener((endpoints, generation) -> trust.endpointsChanged());

        // The other clusters' inventories, as kept at the last run, before the last-known-good config is
        // served: a restart without Kafka still reaches every remote endpoint it knew.
        parts.remoteInventories = parts.opened(new RemoteInventories(settings.kafkaBootstrapServers(),
                settings.kafkaSecurity(), settings.topicPrefix(), tenant, cluster, settings.configVerifier(),
                settings.stateDirectory()));
        parts.prober = parts.opened(new TcpProber(tenant + "-" + cluster));
        parts.reachability = parts.opened(new ClusterReachability(cluster, parts.prober, settings.probes()));
        parts.reachability.addListener(publisher::unreachableChanged);
        parts.remoteInventories.addListener(remote -> {
            publisher.remoteChanged(remote);
            parts.reachability.inventories(remote);
        });
        parts.localHealth = parts.opened(new LocalEndpointHealth(inventory, parts.prober, settings.probes()));
        ProbeIdentity probeIdentity = new ProbeIdentity();
        EndpointHealthChecks healthChecks = parts.opened(new EndpointHealthChecks(tenant, cluster, inventory, parts.prober,
                probeIdentity));
        parts.healthChecks = healthChecks;
        trust.onAgentSvid(svid -> {
            probeIdentity.update(svid.chain(), svid.key(), svid.trustDomain(), svid.bundle());
            healthChecks.identityChanged();
        });
        inventory.addListener((endpoints, generation) -> healthChecks.endpointsChanged(endpoints));

        ClusterReachability reachability = parts.reachability;
        DesiredConfigApplier applier = parts.opened(new DesiredConfigApplier(tenant, cluster,
                new LastKnownGood(settings.stateDirectory(), tenant, cluster),
                new DesiredConfigApplier.Steps() {
                    @Override
                    public Runnable prepareServing(DesiredConfig config) {
                        Runnable serve = publisher.prepare(config);
                        return () -> {
                            serve.run();
                            reachability.peers(config.getPeersList());
                            healthChecks.policiesChanged(config.getPoliciesList());
                            status.configApplied(config);
                        };
                    }

                    @Override
                    public void takeTrust(DesiredConfig config) {
                        trust.configApplied(config);
                    }
                }, status::reportNow, Clock.systemUTC()));
        parts.applier = applier;
        status.reportApplyFailure(applier::applyFailure);
        parts.sds = parts.opened(SecretDiscovery.start(settings.sdsSocket(), inventory, trust));
        applier.restoreLastKnownGood();

        parts.adsServer = parts.opened(AdsServer.start(cache, settings.xdsHost(), settings.xdsPort(),
                settings.xdsTls(),
                // Registration first: by the time a stream's close shows in the status, its endpoint has left.
                List.of(parts.connected, sidecars, status.proxyTracker())));
        parts.registrationApi = settings.registrationApi().map(api ->
                parts.opened(RegistrationApi.start(tenant, cluster, inventory, api)));
        parts.consumer = parts.opened(new DesiredConfigConsumer(settings.kafkaBootstrapServers(),
                settings.kafkaSecurity(), settings.desiredTopic(), tenant, cluster,
                new EnvelopeVerifier(settings.configVerifier()), applier::offer, status::reportNow));
        parts.inventoryPublisher = parts.opened(new InventoryPublisher(tenant, cluster,
                () -> inventory.snapshot(tenant, cluster),
                bytes -> status.send(KafkaTopics.INVENTORY_RECORD_KIND, bytes), InventoryPublishing.defaults()));
        InventoryPublisher inventoryPublisher = parts.inventoryPublisher;
        inventory.addListener((endpoints, generation) -> inventoryPublisher.changed());
    }

    public AgentSettings settings() {
        return settings;
    }

    /** The port the ADS server listens on (the chosen one when the settings asked for 0). */
    public int xdsPort() {
        return adsServer.port();
    }

    /** Where the registration API listens; empty when it is off (no {@code fedmesh.agent.registration.token-file}). */
    public Optional<InetSocketAddress> registrationAddress() {
        return registrationApi.map(RegistrationApi::address);
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

    /**
     * The inventories of the tenant's other clusters, as the control plane republished them (restored
     * from the state directory at start, before Kafka answers); add a listener to be told of each change.
     */
    public RemoteInventories remoteInventories() {
        return remoteInventories;
    }

    /** The other clusters this agent's probes cannot reach now: their endpoints get none of this cluster's traffic. */
    public Set<String> unreachableClusters() {
        return reachability.unreachable();
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
        // Connected endpoints stay as they are in the state file while the streams close, for the next start.
        connected.close();
        inventoryState.close();
        registrationApi.ifPresent(RegistrationApi::close);
        reachability.close();
        localHealth.close();
        healthChecks.close();
        prober.close();
        inventoryPublisher.close();
        consumer.close();
        remoteInventories.close();
        applier.close();
        trust.close();
        status.close();
        adsServer.close();
        sds.close();
        publisher.close();
        LOG.info("tenant={} cluster={} agent stopped at revision {}", settings.tenant(), settings.cluster(),
                applier.appliedRevision());
    }
}

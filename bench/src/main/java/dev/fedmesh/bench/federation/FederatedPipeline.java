package dev.fedmesh.bench.federation;

import dev.fedmesh.agent.ClusterAgent;
import dev.fedmesh.agent.health.ProbeSettings;
import dev.fedmesh.api.v1.ClusterInventory;
import dev.fedmesh.policy.compiler.ClusterInfo;
import dev.fedmesh.policy.xds.ServiceEndpoint;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A federation tenant running on the real pipeline: the agent of the cluster whose endpoints change
 * (c000) and a few watched agents, each with a real proxyless client of the changed service, run in
 * full; every other cluster's inventory is published by an InventoryPublisher alone. Every endpoint
 * is a loopback address answered by one {@link EndpointSink}, so the agents' probes find every
 * cluster reachable and the clients can connect (svc-0000's on its gRPC port, every other one on its
 * port that only accepts and closes).
 */
final class FederatedPipeline implements AutoCloseable {

    static final int CHANGED = 0;
    static final Duration PATIENCE = Duration.ofMinutes(10);
    /**
     * Slower probes than the default (every 2 s, 1 s timeout): each agent probes hundreds of endpoints
     * a round, and on a busy two-core machine a starved prober misses the default 350 ms timeout and
     * declares clusters down and up again, each verdict a translation and an EDS change the clients
     * take. Failover is measured with the defaults.
     */
    static final ProbeSettings PROBES = new ProbeSettings(Duration.ofSeconds(2), Duration.ofSeconds(1), 3, 3,
            ProbeSettings.DEFAULT.targetsPerCluster());
    private static final long POLL_NANOS = TimeUnit.MICROSECONDS.toNanos(500);

    private final FederatedTenant tenant;
    private final EndpointSink sink;
    private final ClusterAgent changed;
    private final List<EdsWatcher> watchers;
    private final InventoryTopicsWatch topics;

    private FederatedPipeline(FederatedTenant tenant, EndpointSink sink, ClusterAgent changed, List<EdsWatcher> watchers,
                              InventoryTopicsWatch topics) {
        this.tenant = tenant;
        this.sink = sink;
        this.changed = changed;
        this.watchers = watchers;
        this.topics = topics;
    }

    /**
     * Registers a tenant of {@code clusters} clusters and {@code services} services (3 endpoints
     * each per cluster, one network) and starts it: agents for c000 and the {@code watched}
     * clusters, publishers for the rest; returns once every agent holds every other cluster's
     * inventory and every client has taken its endpoints.
     */
    static FederatedPipeline start(FederationMesh mesh, String name, int clusters, int services, List<Integer> watched,
                                   Progress progress) throws IOException {
        EndpointSink sink = EndpointSink.start();
        FederatedTenant tenant = new FederatedTenant(name, clusters, services, 3, FederatedTenant.Layout.ONE_NETWORK,
                "127.", sink.probePort(), sink.port());
        List<ClusterInfo> infos = new ArrayList<>();
        for (int c = 0; c < clusters; c++) {
            infos.add(tenant.clusterInfo(c));
        }
        List<String> names = new ArrayList<>();
        for (int s = 0; s < services; s++) {
            names.add(FederatedTenant.service(s));
        }
        progress.note("%s: registering %d clusters and %d services over the API", name, clusters, services);
        Map<String, String> credentials = mesh.createTenant(name, infos, names, List.of());
        InventoryTopicsWatch topics = new InventoryTopicsWatch(mesh.kafkaBootstrapServers(), FederationMesh.TOPIC_PREFIX,
                name, FederatedTenant.cluster(CHANGED));
        progress.note("%s: %d clusters' inventories published by their InventoryPublishers alone", name,
                clusters - 1 - watched.size());
        for (int c = 0; c < clusters; c++) {
            if (c != CHANGED && !watched.contains(c)) {
                int index = c;
                ClusterInventory inventory = tenant.inventory(index, 1);
                mesh.publishAlone(name, FederatedTenant.cluster(c), credentials.get(FederatedTenant.cluster(c)),
                        () -> inventory);
            }
        }
        List<ClusterAgent> agents = new ArrayList<>();
        List<Integer> withAgents = new ArrayList<>();
        withAgents.add(CHANGED);
        withAgents.addAll(watched);
        for (int c : withAgents) {
            progress.note("%s: starting the agent of %s with its %d endpoints", name, FederatedTenant.cluster(c),
                    services * 3);
            String cluster = FederatedTenant.cluster(c);
            agents.add(mesh.startAgent(name, cluster, credentials.get(cluster), tenant.endpoints(c), PROBES));
        }
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        for (ClusterAgent agent : agents) {
            progress.note("%s: waiting for %s to hold the other %d clusters' inventories", name,
                    agent.settings().cluster(), clusters - 1);
            until(() -> agent.appliedRevision() > 0 && agent.remoteInventories().current().size() >= clusters - 1,
                    deadline, () -> agent.settings().cluster() + " holds " + agent.remoteInventories().current().size()
                            + " remote inventories, revision " + agent.appliedRevision());
        }
        List<EdsWatcher> watchers = new ArrayList<>();
        for (int i = 1; i < agents.size(); i++) {
            watchers.add(new EdsWatcher(FederatedTenant.cluster(withAgents.get(i)), agents.get(i),
                    FederatedTenant.service(0)));
        }
        for (EdsWatcher watcher : watchers) {
            until(watcher::inSync, deadline, () -> "the client in " + watcher.cluster() + " to be in sync");
        }
        return new FederatedPipeline(tenant, sink, agents.get(0), List.copyOf(watchers), topics);
    }

    FederatedTenant tenant() {
        return tenant;
    }

    /** The agent of the cluster whose endpoints change. */
    ClusterAgent changed() {
        return changed;
    }

    List<EdsWatcher> watchers() {
        return watchers;
    }

    InventoryTopicsWatch topics() {
        return topics;
    }

    /** An extra endpoint of the watched service in c000: {@code 127.1.255.<n>} on the sink's port. */
    ServiceEndpoint extraEndpoint(int n) {
        return new ServiceEndpoint(FederatedTenant.service(0), "127.1.255." + (1 + n % 250), sink.port(),
                Map.of("version", "v1"));
    }

    /** c000's generation as watched agent {@code watcher} holds it, or -1. */
    static long heldGeneration(EdsWatcher watcher) {
        ClusterInventory held = watcher.agent().remoteInventories().current().get(FederatedTenant.cluster(CHANGED));
        return held == null ? -1 : held.getGeneration();
    }

    interface Condition {
        boolean holds();
    }

    static void until(Condition condition, long deadlineNanos, java.util.function.Supplier<String> what) {
        while (!condition.holds()) {
            if (System.nanoTime() - deadlineNanos > 0) {
                throw new IllegalStateException("gave up waiting: " + what.get());
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    @Override
    public void close() {
        watchers.forEach(EdsWatcher::close);
        topics.close();
        sink.close();
    }
}

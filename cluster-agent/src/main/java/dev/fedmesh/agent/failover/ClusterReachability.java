package dev.fedmesh.agent.failover;

import dev.fedmesh.agent.failover.ClusterProbeTargets.ClusterTargets;
import dev.fedmesh.agent.health.Hysteresis;
import dev.fedmesh.agent.health.ProbeResult;
import dev.fedmesh.agent.health.ProbeSettings;
import dev.fedmesh.agent.health.ProbeTarget;
import dev.fedmesh.agent.health.TcpProber;
import dev.fedmesh.api.v1.ClusterInventory;
import dev.fedmesh.api.v1.ClusterPeer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which remote clusters of the tenant this cluster's traffic cannot reach now, found by TCP probes on
 * the data path ({@link ClusterProbeTargets} says what is probed). A cluster becomes unreachable after
 * {@code fall} rounds in a row in which every one of its targets failed, and reachable again after
 * {@code rise} rounds in a row in which any passed; a cluster with nothing to probe counts as reachable.
 * It follows the peers of the applied desired config and the remote inventories: a cluster that
 * leaves is forgotten. Listeners hear of every change, each transition is logged once.
 */
public final class ClusterReachability implements AutoCloseable {

    /** Told the whole set of unreachable clusters each time it changes (on the thread that changed it). */
    @FunctionalInterface
    public interface Listener {
        void reachabilityChanged(Set<String> unreachable);
    }

    private static final Logger LOG = LoggerFactory.getLogger(ClusterReachability.class);

    private final String localCluster;
    private final TcpProber prober;
    private final ProbeSettings settings;
    private final ClusterProbeTargets.Chooser chooser;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final Object round = new Object();
    private List<ClusterPeer> peers = List.of();
    private Map<String, ClusterInventory> inventories = Map.of();
    private Map<String, ClusterTargets> targets = Map.of();
    private final Map<String, Hysteresis> states = new HashMap<>();
    private final Set<String> unreachable = new TreeSet<>();
    private ScheduledExecutorService schedule;

    public ClusterReachability(String localCluster, TcpProber prober, ProbeSettings settings) {
        this.localCluster = Objects.requireNonNull(localCluster, "localCluster");
        this.prober = Objects.requireNonNull(prober, "prober");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.chooser = new ClusterProbeTargets.Chooser(settings.targetsPerCluster());
    }

    /** The tenant's clusters as the applied desired config lists them ({@code DesiredConfig.peers}). */
    public synchronized void peers(List<ClusterPeer> newPeers) {
        peers = List.copyOf(newPeers);
        retarget();
    }

    /** The newest inventory of each remote cluster, by cluster name. */
    public synchronized void inventories(Map<String, ClusterInventory> newInventories) {
        inventories = Map.copyOf(newInventories);
        retarget();
    }

    /** The clusters found unreachable, by name. */
    public synchronized Set<String> unreachable() {
        return Set.copyOf(unreachable);
    }

    /** What each remote cluster is probed at now, by cluster name. */
    public synchronized Map<String, ClusterTargets> targets() {
        return targets;
    }

    /** Adds a listener and tells it the current set right away. */
    public synchronized void addListener(Listener listener) {
        listeners.add(listener);
        listener.reachabilityChanged(Set.copyOf(unreachable));
    }

    /** Probes every {@link ProbeSettings#interval()} from now on, on a thread of its own. */
    public synchronized void start() {
        if (schedule != null) {
            return;
        }
        schedule = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "fedmesh-cluster-reachability");
            thread.setDaemon(true);
            return thread;
        });
        schedule.scheduleAtFixedRate(this::scheduledRound, 0, settings.interval().toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Probes every remote cluster once, applies the results, and returns the clusters now unreachable.
     * Each cluster gets {@link ProbeSettings#targetsPerCluster()} connects, dealt over its targets in
     * turn, so one behind a single gateway address is not declared dark by one lost packet per round.
     */
    public Set<String> probeRound() {
        synchronized (round) {
            Map<String, ClusterTargets> probed;
            synchronized (this) {
                probed = targets;
            }
            Map<String, List<Probe>> running = new TreeMap<>();
            for (ClusterTargets cluster : probed.values()) {
                List<ProbeTarget> targets = cluster.targets();
                if (targets.isEmpty()) {
                    continue;
                }
                List<Probe> probes = new ArrayList<>();
                for (int i = 0; i < Math.max(settings.targetsPerCluster(), targets.size()); i++) {
                    ProbeTarget target = targets.get(i % targets.size());
                    probes.add(new Probe(target, prober.probe(target, settings.connectTimeout())));
                }
                running.put(cluster.cluster(), probes);
            }
            Map<String, Map<ProbeTarget, ProbeResult>> results = new TreeMap<>();
            running.forEach((cluster, probes) -> {
                Map<ProbeTarget, ProbeResult> own = new TreeMap<>();
                for (Probe probe : probes) {
                    ProbeResult result = probe.result().join();
                    own.merge(probe.target(), result, (first, second) -> first.passed() ? first : second);
                }
                results.put(cluster, own);
            });
            if (prober.isClosed()) {
                return unreachable(); // the agent is stopping: failed probes say nothing about the clusters
            }
            return apply(probed, results);
        }
    }

    @Override
    public synchronized void close() {
        if (schedule != null) {
            schedule.shutdownNow();
        }
    }

    private synchronized Set<String> apply(Map<String, ClusterTargets> probed,
                                           Map<String, Map<ProbeTarget, ProbeResult>> results) {
        boolean changed = false;
        for (Map.Entry<String, Map<ProbeTarget, ProbeResult>> entry : results.entrySet()) {
            String name = entry.getKey();
            ClusterTargets current = targets.get(name);
            if (current == null || current.targets().isEmpty()) {
                continue; // it left, or lost its targets, while the round ran
            }
            Map<ProbeTarget, ProbeResult> own = entry.getValue();
            boolean anyPassed = own.values().stream().anyMatch(ProbeResult::passed);
            Hysteresis state = states.computeIfAbsent(name, cluster -> new Hysteresis(settings.fall(), settings.rise()));
            Optional<Hysteresis.State> now = state.record(anyPassed);
            if (now.isPresent()) {
                changed |= now.get() == Hysteresis.State.DOWN ? unreachable.add(name) : unreachable.remove(name);
                logTransition(probed.get(name), now.get(), own);
            }
        }
        if (changed) {
            tellListeners();
        }
        return Set.copyOf(unreachable);
    }

    private void retarget() {
        Map<String, ClusterTargets> next = chooser.choose(localCluster, peers, inventories);
        for (ClusterTargets cluster : next.values()) {
            ClusterTargets before = targets.get(cluster.cluster());
            if (cluster.problem().isPresent()
                    && (before == null || !before.problem().equals(cluster.problem()))) {
                LOG.warn("{}", cluster.problem().get());
            }
        }
        boolean changed = false;
        for (String cluster : Set.copyOf(states.keySet())) {
            ClusterTargets now = next.get(cluster);
            if (now == null || now.targets().isEmpty()) {
                states.remove(cluster);
                if (unreachable.remove(cluster)) {
                    changed = true;
                    LOG.info("Cluster {} counts as reachable again: {}", cluster, now == null
                            ? "it is no longer one of the tenant's clusters" : "nothing is left to probe it at ("
                            + now.source() + ")");
                }
            }
        }
        targets = next;
        if (changed) {
            tellListeners();
        }
    }

    private void tellListeners() {
        Set<String> now = Set.copyOf(unreachable);
        for (Listener listener : listeners) {
            listener.reachabilityChanged(now);
        }
    }

    private void scheduledRound() {
        try {
            probeRound();
        } catch (RuntimeException e) {
            // A thrown round would cancel every later one.
            LOG.warn("A round of cluster reachability probes failed; the next starts in {} ms",
                    settings.interval().toMillis(), e);
        }
    }

    private record Probe(ProbeTarget target, CompletableFuture<ProbeResult> result) {
    }

    private void logTransition(ClusterTargets cluster, Hysteresis.State now, Map<ProbeTarget, ProbeResult> last) {
        String results = last.entrySet().stream()
                .map(entry -> entry.getKey() + " " + entry.getValue().detail())
                .collect(Collectors.joining(", "));
        if (now == Hysteresis.State.DOWN) {
            LOG.warn("Cluster {} is unreachable from {}: {} rounds of probes in a row all failed ({}: {}); its"
                            + " services fail over to other clusters until a probe passes {} rounds in a row",
                    cluster.cluster(), localCluster, settings.fall(), cluster.source(), results, settings.rise());
        } else {
            LOG.info("Cluster {} is reachable from {}: {} rounds of probes in a row had one connect ({}: {})",
                    cluster.cluster(), localCluster, settings.rise(), cluster.source(), results);
        }
    }
}

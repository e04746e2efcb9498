package dev.fedmesh.agent.inventory;

import dev.fedmesh.agent.health.CheckedEndpoints;
import dev.fedmesh.agent.health.ProbedEndpoints;
import com.google.protobuf.Timestamp;
import dev.fedmesh.api.v1.ClusterInventory;
import dev.fedmesh.api.v1.EndpointDataPlane;
import dev.fedmesh.api.v1.EndpointHealth;
import dev.fedmesh.api.v1.InventoryEndpoint;
import dev.fedmesh.api.v1.InventoryService;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The workload endpoints running in this cluster, registered and deregistered at run time. Every
 * change is handed at once, in order, to the listeners (the xDS snapshot builder), so local
 * endpoint changes never wait for the control plane.
 *
 * <p>Each endpoint keeps where the agent learned of it ({@link EndpointSource}) and stays while any
 * source remains; its service account; and its health: HEALTHY while a stream of the workload itself
 * is open, otherwise what the prober last said ({@link #health}), UNKNOWN until it says anything.
 * An endpoint under a HealthCheck policy is also as healthy as its check says ({@link #checked}):
 * a failing check makes it UNHEALTHY whatever else holds, a passing one HEALTHY unless the prober
 * says UNHEALTHY; no verdict (yet) leaves the health above as it is.
 * What serves it ({@link EndpointDataPlane}): the data plane of the workload's open stream, UNKNOWN
 * while none is open.
 */
public final class LocalInventory implements ProbedEndpoints, CheckedEndpoints {

    /** Told of each change: every endpoint now registered, and the change's generation number. */
    @FunctionalInterface
    public interface Listener {
        void inventoryChanged(List<ServiceEndpoint> endpoints, long generation);
    }

    private static final Comparator<ServiceEndpoint> BY_ADDRESS = Comparator.comparing(ServiceEndpoint::host)
            .thenComparingInt(ServiceEndpoint::port)
            .thenComparing(endpoint -> new TreeMap<>(endpoint.labels()).toString());

    private final Map<ServiceEndpoint, Entry> entries = new LinkedHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final Clock clock;
    private long generation;

    public LocalInventory() {
        this(Clock.systemUTC());
    }

    /** An inventory whose {@link #snapshot}s are stamped by {@code clock}. */
    public LocalInventory(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Adds the endpoint as a static one; returns false (and changes nothing) if it was already registered so. */
    public synchronized boolean register(ServiceEndpoint endpoint) {
        return add(new AnnouncedEndpoint(endpoint, ""), EndpointSource.STATIC);
    }

    /** Removes the static endpoint; returns false (and changes nothing) if it was not registered so. */
    public synchronized boolean deregister(ServiceEndpoint endpoint) {
        return remove(endpoint, EndpointSource.STATIC);
    }

    /**
     * Adds the endpoint of a workload whose own xDS stream announces it, served by {@code dataPlane}
     * (what the inventory publishes for it while such a stream is open). Returns whether anything changed.
     */
    public synchronized boolean connect(AnnouncedEndpoint announced, EndpointDataPlane dataPlane) {
        Objects.requireNonNull(dataPlane, "dataPlane");
        boolean changed = addQuietly(announced, EndpointSource.CONNECTED);
        Entry entry = entries.get(announced.endpoint());
        if (entry.connectedDataPlane != dataPlane) {
            entry.connectedDataPlane = dataPlane;
            changed = true;
        }
        if (changed) {
            changed();
        }
        return changed;
    }

    /**
     * Adds {@code source} to the announced endpoint (a new one starts with the prober's UNKNOWN), and
     * takes its service account when it names one. A workload connecting confirms its endpoint as
     * restored from before a restart. Returns whether anything changed.
     */
    public synchronized boolean add(AnnouncedEndpoint announced, EndpointSource source) {
        Objects.requireNonNull(source, "source");
        boolean changed = addQuietly(announced, source);
        if (changed) {
            changed();
        }
        return changed;
    }

    /** Removes {@code source} from the endpoint, and the endpoint when no source is left; returns whether it had that source. */
    public synchronized boolean remove(ServiceEndpoint endpoint, EndpointSource source) {
        boolean changed = removeQuietly(endpoint, source);
        if (changed) {
            changed();
        }
        return changed;
    }

    /**
     * Registers an endpoint through the registration API, replacing one registered before at the same
     * service, host and port (with other labels or service account), as one change. Returns whether
     * none was registered there before.
     */
    public synchronized boolean putRegistered(AnnouncedEndpoint announced) {
        boolean created = true;
        boolean changed = false;
        for (ServiceEndpoint existing : List.copyOf(entries.keySet())) {
            if (announced.sameAddress(existing) && entries.get(existing).sources.contains(EndpointSource.REGISTERED)) {
                created = false;
                if (!existing.equals(announced.endpoint())) {
                    changed |= removeQuietly(existing, EndpointSource.REGISTERED);
                }
            }
        }
        changed |= addQuietly(announced, EndpointSource.REGISTERED);
        if (changed) {
            changed();
        }
        return created;
    }

    /** Removes the endpoint registered through the API at that service, host and port; returns it, if there was one. */
    public synchronized Optional<ServiceEndpoint> removeRegistered(String service, String host, int port) {
        for (Map.Entry<ServiceEndpoint, Entry> entry : entries.entrySet()) {
            ServiceEndpoint endpoint = entry.getKey();
            if (endpoint.service().equals(service) && endpoint.host().equals(host) && endpoint.port() == port
                    && entry.getValue().sources.contains(EndpointSource.REGISTERED)) {
                remove(endpoint, EndpointSource.REGISTERED);
                return Optional.of(endpoint);
            }
        }
        return Optional.empty();
    }

    /**
     * Ends the wait for workloads connected before a restart: every endpoint kept only because it was
     * restored is removed, as one change. Returns how many were removed.
     */
    public synchronized int expireRestored() {
        int removed = 0;
        boolean changed = false;
        for (Iterator<Map.Entry<ServiceEndpoint, Entry>> it = entries.entrySet().iterator(); it.hasNext(); ) {
            Entry entry = it.next().getValue();
            if (entry.sources.remove(EndpointSource.RESTORED)) {
                changed = true;
                if (entry.sources.isEmpty()) {
                    it.remove();
                    removed++;
                }
            }
        }
        if (changed) {
            changed();
        }
        return removed;
    }

    /**
     * Sets the probed health of an endpoint (ignored for one not in the inventory). It is the
     * endpoint's health while no stream of the workload itself is open; listeners hear of it when that
     * changes the health they see.
     */
    public synchronized void health(ServiceEndpoint endpoint, EndpointHealth health) {
        Objects.requireNonNull(health, "health");
        Entry entry = entries.get(endpoint);
        if (entry == null || entry.probedHealth == health) {
            return;
        }
        EndpointHealth before = entry.health();
        entry.probedHealth = health;
        if (entry.health() != before) {
            changed();
        }
    }

    /** Sets the probed health of several endpoints (those not in the inventory ignored) as one change. */
    @Override
    public synchronized void health(Map<ServiceEndpoint, EndpointHealth> healths) {
        boolean changed = false;
        for (Map.Entry<ServiceEndpoint, EndpointHealth> probed : healths.entrySet()) {
            Entry entry = entries.get(probed.getKey());
            if (entry == null || entry.probedHealth == Objects.requireNonNull(probed.getValue(), "health")) {
                continue;
            }
            EndpointHealth before = entry.health();
            entry.probedHealth = probed.getValue();
            changed |= entry.health() != before;
        }
        if (changed) {
            changed();
        }
    }

    /**
     * Sets what the endpoints' HealthChecks say (those not in the inventory ignored) as one change;
     * UNKNOWN is no verdict: a check just started, or none applies any more.
     */
    @Override
    public synchronized void checked(Map<ServiceEndpoint, EndpointHealth> verdicts) {
        boolean changed = false;
        for (Map.Entry<ServiceEndpoint, EndpointHealth> verdict : verdicts.entrySet()) {
            Entry entry = entries.get(verdict.getKey());
            if (entry == null || entry.checkedHealth == Objects.requireNonNull(verdict.getValue(), "health")) {
                continue;
            }
            EndpointHealth before = entry.health();
            entry.checkedHealth = verdict.getValue();
            changed |= entry.health() != before;
        }
        if (changed) {
            changed();
        }
    }

    /** The endpoints whose health comes from probes: static, registered and restored ones with no open stream. */
    public synchronized List<ServiceEndpoint> probed() {
        return entries.entrySet().stream()
                .filter(entry -> !entry.getValue().sources.contains(EndpointSource.CONNECTED))
                .map(Map.Entry::getKey)
                .toList();
    }

    public synchronized List<ServiceEndpoint> endpoints() {
        return List.copyOf(entries.keySet());
    }

    /** Every endpoint with its sources, service account and health, in the order they were added. */
    public synchronized List<LocalEndpoint> entries() {
        List<LocalEndpoint> all = new ArrayList<>();
        entries.forEach((endpoint, entry) -> all.add(entry.view(endpoint)));
        return all;
    }

    /** The endpoint's current health; UNKNOWN for one not in the inventory. */
    public synchronized EndpointHealth healthOf(ServiceEndpoint endpoint) {
        Entry entry = entries.get(endpoint);
        return entry == null ? EndpointHealth.ENDPOINT_HEALTH_UNKNOWN : entry.health();
    }

    /**
     * The inventory as published to the other clusters: services sorted by name, each one's endpoints
     * by host then port, with health and service account, stamped with this generation and the time.
     */
    public synchronized ClusterInventory snapshot(String tenant, String cluster) {
        Map<String, List<ServiceEndpoint>> byService = new TreeMap<>();
        entries.keySet().forEach(endpoint -> byService.computeIfAbsent(endpoint.service(), s -> new ArrayList<>())
                .add(endpoint));
        Instant now = clock.instant();
        ClusterInventory.Builder inventory = ClusterInventory.newBuilder()
                .setTenant(tenant)
                .setCluster(cluster)
                .setGeneration(generation)
                .setObservedAt(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()));
        byService.forEach((service, endpoints) -> {
            InventoryService.Builder built = InventoryService.newBuilder().setName(service);
            endpoints.stream().sorted(BY_ADDRESS).forEach(endpoint -> {
                Entry entry = entries.get(endpoint);
                built.addEndpoints(InventoryEndpoint.newBuilder()
                        .setHost(endpoint.host())
                        .setPort(endpoint.port())
                        .putAllLabels(endpoint.labels())
                        .setHealth(entry.health())
                        .setServiceAccount(entry.serviceAccount)
                        .setDataPlane(entry.dataPlane()));
            });
            inventory.addServices(built);
        });
        return inventory.build();
    }

    /** How many changes there have been; 0 before the first. */
    public synchronized long generation() {
        return generation;
    }

    /** Adds a listener and tells it the current state right away. */
    public synchronized void addListener(Listener listener) {
        listeners.add(listener);
        listener.inventoryChanged(List.copyOf(entries.keySet()), generation);
    }

    private boolean addQuietly(AnnouncedEndpoint announced, EndpointSource source) {
        Entry entry = entries.get(announced.endpoint());
        if (entry == null) {
            entry = new Entry();
            entries.put(announced.endpoint(), entry);
        }
        boolean changed = entry.sources.add(source);
        if (source == EndpointSource.CONNECTED) {
            changed |= entry.sources.remove(EndpointSource.RESTORED);
        }
        if (!announced.serviceAccount().isEmpty() && !announced.serviceAccount().equals(entry.serviceAccount)) {
            entry.serviceAccount = announced.serviceAccount();
            changed = true;
        }
        return changed;
    }

    private boolean removeQuietly(ServiceEndpoint endpoint, EndpointSource source) {
        Entry entry = entries.get(endpoint);
        if (entry == null || !entry.sources.remove(source)) {
            return false;
        }
        if (entry.sources.isEmpty()) {
            entries.remove(endpoint);
        }
        return true;
    }

    private void changed() {
        generation++;
        List<ServiceEndpoint> now = List.copyOf(entries.keySet());
        for (Listener listener : listeners) {
            listener.inventoryChanged(now, generation);
        }
    }

    private static final class Entry {
        private final EnumSet<EndpointSource> sources = EnumSet.noneOf(EndpointSource.class);
        private String serviceAccount = "";
        private EndpointHealth probedHealth = EndpointHealth.ENDPOINT_HEALTH_UNKNOWN;
        private EndpointHealth checkedHealth = EndpointHealth.ENDPOINT_HEALTH_UNKNOWN;
        private EndpointDataPlane connectedDataPlane = EndpointDataPlane.ENDPOINT_DATA_PLANE_UNKNOWN;

        /** What serves it while the workload's own stream is open; once none is, no proxy of ours is known to. */
        private EndpointDataPlane dataPlane() {
            return sources.contains(EndpointSource.CONNECTED) ? connectedDataPlane : EndpointDataPlane.ENDPOINT_DATA_PLANE_UNKNOWN;
        }

        private EndpointHealth health() {
            EndpointHealth alive = sources.contains(EndpointSource.CONNECTED) ? EndpointHealth.ENDPOINT_HEALTH_HEALTHY
                    : probedHealth;
            return switch (checkedHealth) {
                case ENDPOINT_HEALTH_UNHEALTHY -> EndpointHealth.ENDPOINT_HEALTH_UNHEALTHY;
                case ENDPOINT_HEALTH_HEALTHY -> alive == EndpointHealth.ENDPOINT_HEALTH_UNHEALTHY
                        ? EndpointHealth.ENDPOINT_HEALTH_UNHEALTHY : EndpointHealth.ENDPOINT_HEALTH_HEALTHY;
                default -> alive;
            };
        }

        private LocalEndpoint view(ServiceEndpoint endpoint) {
            return new LocalEndpoint(endpoint, sources, serviceAccount, health());
        }
    }
}

package dev.fedmesh.agent.health;

import dev.fedmesh.api.v1.EndpointHealth;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the health of this cluster's own endpoints: every interval it TCP-probes each endpoint the
 * inventory lists for probing and, when an endpoint's {@link Hysteresis} changes state (only then),
 * sets its health: {@code fall} failed probes in a row make it unhealthy, {@code rise} passes healthy.
 * An endpoint leaving the list is forgotten.
 */
public final class LocalEndpointHealth implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalEndpointHealth.class);

    private final ProbedEndpoints endpoints;
    private final TcpProber prober;
    private final ProbeSettings settings;
    private final Map<ServiceEndpoint, Hysteresis> states = new HashMap<>();
    private ScheduledExecutorService schedule;

    public LocalEndpointHealth(ProbedEndpoints endpoints, TcpProber prober, ProbeSettings settings) {
        this.endpoints = Objects.requireNonNull(endpoints, "endpoints");
        this.prober = Objects.requireNonNull(prober, "prober");
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    /** Probes every {@link ProbeSettings#interval()} from now on, on a thread of its own. */
    public synchronized void start() {
        if (schedule != null) {
            return;
        }
        schedule = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "fedmesh-local-health");
            thread.setDaemon(true);
            return thread;
        });
        long interval = settings.interval().toNanos();
        schedule.scheduleAtFixedRate(this::scheduledRound, 0, interval, TimeUnit.NANOSECONDS);
    }

    /**
     * Probes every listed endpoint once and applies the results; returns the health changes it made,
     * in the inventory's order.
     */
    public synchronized Map<ServiceEndpoint, EndpointHealth> probeRound() {
        List<ServiceEndpoint> listed = endpoints.probed();
        states.keySet().retainAll(new LinkedHashSet<>(listed));
        Set<ProbeTarget> targets = new LinkedHashSet<>();
        for (ServiceEndpoint endpoint : listed) {
            targets.add(new ProbeTarget(endpoint.host(), endpoint.port()));
        }
        Map<ProbeTarget, ProbeResult> results = prober.probeAll(targets, settings.connectTimeout()).join();
        if (prober.isClosed()) {
            return Map.of(); // the agent is stopping: failed probes say nothing about the endpoints
        }
        Map<ServiceEndpoint, EndpointHealth> changes = new LinkedHashMap<>();
        for (ServiceEndpoint endpoint : listed) {
            ProbeResult result = results.get(new ProbeTarget(endpoint.host(), endpoint.port()));
            Hysteresis state = states.computeIfAbsent(endpoint, e -> new Hysteresis(settings.fall(), settings.rise()));
            Optional<Hysteresis.State> changed = state.record(result.passed());
            if (changed.isPresent()) {
                EndpointHealth health = changed.get() == Hysteresis.State.UP
                        ? EndpointHealth.ENDPOINT_HEALTH_HEALTHY : EndpointHealth.ENDPOINT_HEALTH_UNHEALTHY;
                log(endpoint, health, result);
                changes.put(endpoint, health);
            }
        }
        // One change for the round: each change re-translates the agent's xDS, and thousands of
        // endpoints turn healthy in the same round at start.
        if (!changes.isEmpty()) {
            endpoints.health(changes);
        }
        return changes;
    }

    @Override
    public synchronized void close() {
        if (schedule != null) {
            schedule.shutdownNow();
        }
    }

    private void scheduledRound() {
        try {
            probeRound();
        } catch (RuntimeException e) {
            // A thrown round would cancel every later one.
            LOG.warn("A round of local endpoint probes failed; the next starts in {} ms", settings.interval().toMillis(), e);
        }
    }

    private void log(ServiceEndpoint endpoint, EndpointHealth health, ProbeResult last) {
        if (health == EndpointHealth.ENDPOINT_HEALTH_UNHEALTHY) {
            LOG.warn("Local endpoint {} of service {} is unhealthy: {} TCP probes in a row failed (last: {}); callers"
                    + " are sent to its other endpoints until {} probes in a row pass", endpoint.address(),
                    endpoint.service(), settings.fall(), last.detail(), settings.rise());
        } else {
            LOG.info("Local endpoint {} of service {} is healthy: {} TCP probes in a row connected",
                    endpoint.address(), endpoint.service(), settings.rise());
        }
    }
}

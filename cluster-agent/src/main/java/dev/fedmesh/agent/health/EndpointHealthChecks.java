package dev.fedmesh.agent.health;

import dev.fedmesh.api.v1.EndpointHealth;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.policy.healthcheck.HealthCheck;
import dev.fedmesh.policy.healthcheck.HealthChecks;
import dev.fedmesh.policy.mtlsmode.MtlsModeTranslator;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the HealthCheck policies of the applied desired config against this cluster's own endpoints,
 * static, registered and connected alike, and hands each change of verdict to the inventory, which
 * serves it as endpoint health: {@code unhealthyThreshold} failed checks in a row make an endpoint
 * UNHEALTHY, {@code healthyThreshold} passed ones HEALTHY ({@link Hysteresis}). Endpoints no check
 * applies to are left alone.
 *
 * <p>Each endpoint is checked every {@code interval}, its first check at an offset within the interval
 * taken from its address, so that a service's checks are spread over the interval rather than all
 * at once. One thread only starts probes; the probes themselves are asynchronous and end within
 * their {@code timeout} ({@link HealthCheckProber}), their results handled on a small fixed pool; at
 * most {@link #MAX_IN_FLIGHT} run at once, and an endpoint whose previous check is still running
 * skips its turn. A slow endpoint therefore delays nothing but its own checks.
 *
 * <p>A STRICT mTLS service's workloads accept only mutual TLS: their gRPC and HTTP checks are made
 * over mutual TLS with the agent's own SVID ({@link ProbeIdentity}), which TrafficPermission lets
 * through for health checks only. Until the agent holds that SVID (a first start, before the
 * cluster's intermediate arrives) they are made as TCP connects, logged once per service.
 */
public final class EndpointHealthChecks implements AutoCloseable {

    /** Probes running at once, over every endpoint of the cluster. */
    public static final int MAX_IN_FLIGHT = 512;
    /** Threads that complete probes and record their results. */
    public static final int POOL_THREADS = 2;

    private static final Logger LOG = LoggerFactory.getLogger(EndpointHealthChecks.class);

    private final String tenant;
    private final String cluster;
    private final CheckedEndpoints inventory;
    private final ScheduledExecutorService starter;
    private final ExecutorService pool;
    private final HealthCheckProber prober;
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    private final Map<ServiceEndpoint, Running> running = new HashMap<>();
    private final ProbeIdentity identity;
    private final Set<String> warnedStrict = new HashSet<>();
    private List<ServiceEndpoint> endpoints = List.of();
    private List<Policy> policies = List.of();
    /** Verdicts not yet handed to the inventory, by the check that reached them. */
    private final Map<Running, Verdict> undelivered = new LinkedHashMap<>();
    private boolean reconcilePending;
    private boolean deliveryPending;
    private boolean closed;

    /**
     * Checks the endpoints of {@code cluster} of {@code tenant}, TCP checks through {@code tcp}, those
     * of STRICT services with {@code identity} once it is present.
     */
    public EndpointHealthChecks(String tenant, String cluster, CheckedEndpoints inventory, TcpProber tcp,
                                ProbeIdentity identity) {
        this.tenant = tenant;
        this.cluster = cluster;
        this.inventory = Objects.requireNonNull(inventory, "inventory");
        String name = "fedmesh-health-checks-" + tenant + "-" + cluster;
        this.starter = Executors.newSingleThreadScheduledExecutor(task -> daemon(task, name));
        AtomicInteger threads = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(POOL_THREADS, task -> daemon(task, name + "-" + threads.incrementAndGet()));
        this.identity = Objects.requireNonNull(identity, "identity");
        this.prober = new HealthCheckProber(tcp, pool, identity);
    }

    /** Checks from now on by the HealthChecks (and MtlsModes) of the config being applied. */
    public synchronized void policiesChanged(List<Policy> now) {
        if (now.equals(policies)) {
            return;
        }
        policies = List.copyOf(now);
        scheduleReconcile();
    }

    /** Checks from now on the endpoints the inventory lists now. */
    public synchronized void endpointsChanged(List<ServiceEndpoint> now) {
        if (now.equals(endpoints)) {
            return; // a change of health only
        }
        endpoints = List.copyOf(now);
        scheduleReconcile();
    }

    /** Checks STRICT services over mutual TLS from now on, now that the agent's SVID is (or is again) present. */
    public synchronized void identityChanged() {
        scheduleReconcile();
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            running.values().forEach(Running::cancel);
            running.clear();
        }
        starter.shutdownNow();
        prober.close();
        pool.shutdownNow();
    }

    /** Reconciles on the starter's thread: the callers hold the inventory's lock, which {@link #reconcile} takes. */
    private void scheduleReconcile() {
        if (reconcilePending || closed) {
            return;
        }
        reconcilePending = true;
        try {
            starter.execute(this::reconcile);
        } catch (RejectedExecutionException e) {
            reconcilePending = false;
        }
    }

    private void reconcile() {
        Map<ServiceEndpoint, EndpointHealth> cleared = new LinkedHashMap<>();
        synchronized (this) {
            reconcilePending = false;
            if (closed) {
                return;
            }
            Map<ServiceEndpoint, Made> wanted = new LinkedHashMap<>();
            for (ServiceEndpoint endpoint : endpoints) {
                HealthChecks.forEndpoint(endpoint, policies).ifPresent(check -> wanted.put(endpoint, asMade(endpoint, check)));
            }
            Map<ServiceEndpoint, EndpointHealth> kept = new HashMap<>();
            running.entrySet().removeIf(entry -> {
                Made check = wanted.get(entry.getKey());
                Running run = entry.getValue();
                if (check != null && check.equals(run.made)) {
                    return false;
                }
                run.cancel();
                if (check == null) {
                    cleared.put(entry.getKey(), EndpointHealth.ENDPOINT_HEALTH_UNKNOWN);
                } else {
                    kept.put(entry.getKey(), run.delivered); // a changed check goes on from the verdict served
                }
                return true;
            });
            wanted.forEach((endpoint, check) -> running.computeIfAbsent(endpoint,
                    e -> start(e, check, kept.getOrDefault(e, EndpointHealth.ENDPOINT_HEALTH_UNKNOWN))));
            Set<HealthCheckProber.GrpcTarget> grpc = new HashSet<>();
            running.forEach((endpoint, run) -> {
                if (run.check.probe() instanceof HealthCheck.Grpc) {
                    grpc.add(new HealthCheckProber.GrpcTarget(new ProbeTarget(endpoint.host(), endpoint.port()),
                            run.made.mutualTls()));
                }
            });
            prober.grpcTargets(grpc);
        }
        if (!cleared.isEmpty()) {
            inventory.checked(cleared);
        }
    }

    /**
     * The check as the agent can make it: a STRICT service's gRPC and HTTP checks over mutual TLS with
     * the agent's SVID, or, while it holds none yet, as TCP connects.
     */
    private Made asMade(ServiceEndpoint endpoint, HealthCheck check) {
        if (check.probe() instanceof HealthCheck.Tcp || !MtlsModeTranslator.strict(endpoint.service(), policies)) {
            return new Made(check, false);
        }
        if (identity.present()) {
            warnedStrict.remove(endpoint.service());
            return new Made(check, true);
        }
        if (warnedStrict.add(endpoint.service())) {
            LOG.warn("tenant={} cluster={} service {} is STRICT mTLS and the agent holds no SVID yet to call it with:"
                    + " until it does, its HealthCheck's {} check is made as a TCP connect, which sees a closed port but"
                    + " not a workload answering NOT_SERVING or an error status", tenant, cluster, endpoint.service(),
                    check.probe() instanceof HealthCheck.Grpc ? "gRPC" : "HTTP");
        }
        return new Made(new HealthCheck(check.interval(), check.timeout(), check.unhealthyThreshold(),
                check.healthyThreshold(), new HealthCheck.Tcp()), false);
    }

    /** A check as made: the policy's check (or the TCP connect standing in for it), and whether over mutual TLS. */
    private record Made(HealthCheck check, boolean mutualTls) {
    }

    private Running start(ServiceEndpoint endpoint, Made made, EndpointHealth delivered) {
        HealthCheck check = made.check();
        Hysteresis.State state = switch (delivered) {
            case ENDPOINT_HEALTH_HEALTHY -> Hysteresis.State.UP;
            case ENDPOINT_HEALTH_UNHEALTHY -> Hysteresis.State.DOWN;
            default -> Hysteresis.State.UNKNOWN;
        };
        Running run = new Running(endpoint, made,
                new Hysteresis(check.unhealthyThreshold(), check.healthyThreshold(), state), delivered);
        long interval = check.interval().toMillis();
        // The endpoint's own offset into the interval: checks of many endpoints spread over it.
        long offset = Math.floorMod(endpoint.hashCode(), interval);
        run.ticks = starter.scheduleAtFixedRate(() -> tick(run), offset, interval, TimeUnit.MILLISECONDS);
        return run;
    }

    /** Starts one check of the endpoint, unless its last one still runs or too many run at once. */
    private void tick(Running run) {
        synchronized (this) {
            if (run.cancelled || run.inFlight) {
                return;
            }
            if (!inFlight.tryAcquire()) {
                LOG.warn("tenant={} cluster={} {} health checks are running at once; the check of {} (service {}) skips"
                        + " this turn", tenant, cluster, MAX_IN_FLIGHT, endpoint(run), run.endpoint.service());
                return;
            }
            run.inFlight = true;
        }
        try {
            prober.probe(run.endpoint, run.check, run.made.mutualTls()).whenCompleteAsync((result, error) -> {
                inFlight.release();
                record(run, result == null ? ProbeResult.failed(String.valueOf(error)) : result);
            }, pool);
        } catch (RuntimeException e) {
            // A tick that throws would cancel every later one.
            inFlight.release();
            synchronized (this) {
                run.inFlight = false;
            }
            LOG.warn("tenant={} cluster={} could not start the health check of {}; it is tried again in {} ms", tenant,
                    cluster, endpoint(run), run.check.interval().toMillis(), e);
        }
    }

    private void record(Running run, ProbeResult result) {
        synchronized (this) {
            run.inFlight = false;
            if (run.cancelled) {
                return;
            }
            Optional<Hysteresis.State> changed = run.hysteresis.record(result.passed());
            if (changed.isEmpty()) {
                return;
            }
            undelivered.put(run, new Verdict(changed.get() == Hysteresis.State.UP
                    ? EndpointHealth.ENDPOINT_HEALTH_HEALTHY : EndpointHealth.ENDPOINT_HEALTH_UNHEALTHY, result));
            if (deliveryPending) {
                return;
            }
            deliveryPending = true;
        }
        // Verdicts reach the inventory on the starter's thread, the only one that cancels checks: a check
        // cancelled there never has a verdict delivered after it. The verdicts waiting then go as one
        // change, as when every endpoint passes its first checks at once.
        try {
            starter.execute(this::deliver);
        } catch (RejectedExecutionException e) {
            LOG.debug("tenant={} cluster={} stopping: health check verdicts are dropped", tenant, cluster);
        }
    }

    private void deliver() {
        Map<Running, Verdict> delivering = new LinkedHashMap<>();
        synchronized (this) {
            deliveryPending = false;
            undelivered.forEach((run, verdict) -> {
                if (!run.cancelled) {
                    run.delivered = verdict.health;
                    delivering.put(run, verdict);
                }
            });
            undelivered.clear();
        }
        Map<ServiceEndpoint, EndpointHealth> verdicts = new LinkedHashMap<>();
        delivering.forEach((run, verdict) -> {
            log(run, verdict);
            verdicts.put(run.endpoint, verdict.health);
        });
        if (!verdicts.isEmpty()) {
            inventory.checked(verdicts);
        }
    }

    private void log(Running run, Verdict verdict) {
        if (verdict.health == EndpointHealth.ENDPOINT_HEALTH_UNHEALTHY) {
            LOG.warn("tenant={} cluster={} endpoint {} of service {} failed {} health checks in a row (last: {}): it gets"
                    + " no calls until {} pass in a row", tenant, cluster, endpoint(run), run.endpoint.service(),
                    run.check.unhealthyThreshold(), verdict.last.detail(), run.check.healthyThreshold());
        } else {
            LOG.info("tenant={} cluster={} endpoint {} of service {} passed {} health check(s) in a row (last: {})", tenant,
                    cluster, endpoint(run), run.endpoint.service(), run.check.healthyThreshold(), verdict.last.detail());
        }
    }

    private static String endpoint(Running run) {
        return new ProbeTarget(run.endpoint.host(), run.endpoint.port()).toString();
    }

    private static Thread daemon(Runnable task, String name) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        return thread;
    }

    /** What a check established, and the result that settled it. */
    private record Verdict(EndpointHealth health, ProbeResult last) {
    }

    /** One endpoint's check while it applies; fields other than the constructor's guarded by the outer lock. */
    private static final class Running {
        private final ServiceEndpoint endpoint;
        private final Made made;
        private final HealthCheck check;
        private final Hysteresis hysteresis;
        private EndpointHealth delivered;
        private ScheduledFuture<?> ticks;
        private boolean inFlight;
        private boolean cancelled;

        private Running(ServiceEndpoint endpoint, Made made, Hysteresis hysteresis, EndpointHealth delivered) {
            this.endpoint = endpoint;
            this.made = made;
            this.check = made.check();
            this.hysteresis = hysteresis;
            this.delivered = delivered;
        }

        private void cancel() {
            cancelled = true;
            if (ticks != null) {
                ticks.cancel(false);
            }
        }
    }
}

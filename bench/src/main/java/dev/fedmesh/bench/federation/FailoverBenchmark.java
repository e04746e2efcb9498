package dev.fedmesh.bench.federation;

import dev.fedmesh.agent.ClusterAgent;
import dev.fedmesh.api.v1.EndpointHealth;
import dev.fedmesh.bench.Percentiles;
import dev.fedmesh.policy.compiler.ClusterInfo;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.standalone.sample.GreeterServer;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Failover on the real pipeline with the agents' default settings, timed from the fault to the first
 * call served elsewhere, with the calls that failed in between, and to the moment the agent's own
 * probes declare the fault (the cluster unreachable, or every greeter unhealthy): on loopback a
 * stopped server refuses connections at once and grpc-java leaves it by itself, where a cluster that
 * vanishes from the network leaves its callers waiting for the probes. Three clusters of one region on one
 * network: c000 and c001 share a zone, c002 is in another; greeter runs in c000 and c002 (two
 * instances each), none in c001. Two faults, each repaired after every trial:
 * <ul>
 *   <li><b>c000 goes dark</b>: its greeters stop and its agent stops; c001's caller, served by c000
 *       (its zone) until then, must be served by c002. Repair: c000's agent restarts with new
 *       greeters, and c001's calls come back to c000 (failback).</li>
 *   <li><b>c000's greeters all die</b>, its agent running: c000's own caller must be served by c002.
 *       Repair: new greeters registered in c000, and its calls come back to c000.</li>
 * </ul>
 */
final class FailoverBenchmark {

    /** One fault's readings over its trials. */
    record Result(String fault, int trials, Percentiles toServedElsewhere, Percentiles toProbesDeclare,
                  Percentiles failback, long failedCalls, int maxFailedCallsInATrial, long callsMade) {
    }

    private static final String TENANT = "bench-failover";
    private static final List<String> CLUSTERS = List.of("c000", "c001", "c002");
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    /** Calls in a row by one cluster that say traffic has settled there. */
    private static final int SETTLED_CALLS = 50;

    private final FederationMesh mesh;
    private final Progress progress;
    private final Map<String, List<GreeterServer>> greeters = new java.util.HashMap<>();
    // A stopped server no longer knows its port: each greeter's endpoint is kept from its start.
    private final Map<GreeterServer, ServiceEndpoint> endpoints = new java.util.HashMap<>();

    FailoverBenchmark(FederationMesh mesh, Progress progress) {
        this.mesh = mesh;
        this.progress = progress;
    }

    List<Result> run(int trials) throws IOException, InterruptedException {
        List<ClusterInfo> infos = List.of(
                new ClusterInfo("c000", "region-1", "zone-a", "net", Map.of()),
                new ClusterInfo("c001", "region-1", "zone-a", "net", Map.of()),
                new ClusterInfo("c002", "region-1", "zone-b", "net", Map.of()));
        Map<String, String> credentials = mesh.createTenant(TENANT, infos, List.of("greeter"), List.of());
        for (String cluster : CLUSTERS) {
            mesh.stack().startAgent(TENANT, cluster, credentials.get(cluster));
        }
        for (String cluster : List.of("c000", "c002")) {
            startGreeters(cluster);
            registerGreeters(cluster);
        }
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        for (String cluster : CLUSTERS) {
            ClusterAgent agent = mesh.stack().agent(cluster);
            FederatedPipeline.until(() -> agent.appliedRevision() > 0
                            && agent.remoteInventories().current().keySet().containsAll(
                                    CLUSTERS.stream().filter(other -> !other.equals(cluster)).toList()),
                    deadline, () -> cluster + " to apply its config and hold the others' inventories");
        }
        List<Result> results = new ArrayList<>();
        progress.note("failover: c000 goes dark (greeters and agent), %d trials", trials);
        try (Caller c001 = new Caller("c001", mesh.stack().agent("c001").xdsPort())) {
            results.add(trials("c000 goes dark: c001's callers served by c002", c001, trials, this::darken,
                    () -> mesh.stack().agent("c001").unreachableClusters().contains("c000"), this::relight));
        }
        progress.note("failover: c000's greeters all die, its agent running, %d trials", trials);
        try (Caller c000 = new Caller("c000", mesh.stack().agent("c000").xdsPort())) {
            results.add(trials("c000's greeters all die: c000's callers served by c002", c000, trials,
                    this::stopGreetersOfC000, this::greetersOfC000Unhealthy, this::replaceGreetersOfC000));
        }
        return results;
    }

    private interface Step {
        void run() throws InterruptedException;
    }

    /** Whether the agent whose view matters has declared the fault by its probes. */
    private interface Declared {
        boolean now();
    }

    private Result trials(String fault, Caller caller, int trials, Step breakIt, Declared declared, Step repair)
            throws InterruptedException {
        List<Double> away = new ArrayList<>();
        List<Double> probes = new ArrayList<>();
        List<Double> back = new ArrayList<>();
        long failed = 0;
        int maxFailed = 0;
        long calls = 0;
        awaitServedBy(caller, System.nanoTime(), "c000");
        for (int trial = 0; trial < trials; trial++) {
            long faultAt = System.nanoTime();
            breakIt.run();
            long elsewhere = awaitFirstServedBy(caller, faultAt, "c002");
            FederatedPipeline.until(declared::now, System.nanoTime() + PATIENCE.toNanos(),
                    () -> "the probes to declare: " + fault);
            probes.add((System.nanoTime() - faultAt) / 1e6);
            int failedNow = 0;
            for (Caller.Call call : caller.since(faultAt)) {
                if (call.nanos() - elsewhere > 0) {
                    break;
                }
                calls++;
                if (call.servedBy() == null) {
                    failedNow++;
                }
            }
            failed += failedNow;
            maxFailed = Math.max(maxFailed, failedNow);
            away.add((elsewhere - faultAt) / 1e6);
            long repairAt = System.nanoTime();
            repair.run();
            back.add((awaitServedBy(caller, repairAt, "c000") - repairAt) / 1e6);
            caller.forgetBefore(System.nanoTime());
        }
        return new Result(fault, trials, Percentiles.of(away), Percentiles.of(probes), Percentiles.of(back), failed,
                maxFailed, calls);
    }

    private void darken() {
        stopGreeters("c000");
        mesh.stack().stopAgent("c000");
    }

    private void relight() {
        mesh.stack().restartAgent("c000");
        startGreeters("c000");
        registerGreeters("c000");
    }

    private void stopGreetersOfC000() {
        stopGreeters("c000");
    }

    private boolean greetersOfC000Unhealthy() {
        ClusterAgent agent = mesh.stack().agent("c000");
        return greeters.get("c000").stream().allMatch(greeter -> agent.inventory().healthOf(endpoint(greeter))
                == EndpointHealth.ENDPOINT_HEALTH_UNHEALTHY);
    }

    private void replaceGreetersOfC000() {
        ClusterAgent agent = mesh.stack().agent("c000");
        List<GreeterServer> old = greeters.remove("c000");
        startGreeters("c000");
        registerGreeters("c000");
        old.forEach(greeter -> agent.inventory().deregister(endpoints.remove(greeter)));
    }

    private void startGreeters(String cluster) {
        List<GreeterServer> started = List.of(GreeterServer.start(cluster, "v1"), GreeterServer.start(cluster, "v1"));
        greeters.put(cluster, started);
        started.forEach(greeter -> endpoints.put(greeter, new ServiceEndpoint("greeter", "127.0.0.1", greeter.port(),
                Map.of("version", "v1"))));
    }

    private void registerGreeters(String cluster) {
        ClusterAgent agent = mesh.stack().agent(cluster);
        greeters.get(cluster).forEach(greeter -> agent.inventory().register(endpoint(greeter)));
    }

    private void stopGreeters(String cluster) {
        // The servers stop at once; their endpoints stay in the inventory as a crashed workload's would.
        greeters.getOrDefault(cluster, List.of()).forEach(GreeterServer::close);
    }

    private ServiceEndpoint endpoint(GreeterServer greeter) {
        return endpoints.get(greeter);
    }

    /** Waits until the last calls after {@code since} were all served by {@code cluster}; returns the first of them. */
    private static long awaitServedBy(Caller caller, long since, String cluster) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        FederatedPipeline.until(() -> caller.lastServedBy(since, SETTLED_CALLS, cluster), deadline,
                () -> SETTLED_CALLS + " calls in a row served by " + cluster);
        List<Caller.Call> after = caller.since(since);
        int first = after.size() - 1;
        while (first > 0 && cluster.equals(after.get(first - 1).servedBy())) {
            first--;
        }
        return after.get(first).nanos();
    }

    private static long awaitFirstServedBy(Caller caller, long since, String cluster) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        long[] found = new long[1];
        FederatedPipeline.until(() -> {
            for (Caller.Call call : caller.since(since)) {
                if (cluster.equals(call.servedBy())) {
                    found[0] = call.nanos();
                    return true;
                }
            }
            return false;
        }, deadline, () -> "a call served by " + cluster);
        return found[0];
    }

    void close() {
        greeters.values().forEach(list -> list.forEach(GreeterServer::close));
    }
}

package dev.fedmesh.bench.federation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.fedmesh.bench.Percentiles;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The federation benchmark's readings: printed as a table, written as JSON, and judged against the
 * issue's targets. A part that was not run is empty.
 */
record FederationReport(String machine, String startedAt, List<ScaleBenchmark.Result> scale,
                        Optional<EndpointPropagationBenchmark.Result> propagation,
                        Optional<ChurnBenchmark.Result> churn, List<FailoverBenchmark.Result> failover,
                        List<Double> loadAverages) {

    static final double TARGET_PROPAGATION_P99_MS = 1_000;
    static final double TARGET_FAILOVER_P99_MS = 2_000;

    void print(PrintStream out) {
        out.println("fedmesh federation benchmark, " + startedAt + ", " + machine);
        out.println("Load average (1 min) as each phase began and at the end: " + loadAverages);
        for (ScaleBenchmark.Result result : scale) {
            out.println();
            out.println(String.format(Locale.ROOT, "Scale, %s: %d clusters, %,d services, %d endpoints per service per"
                            + " cluster", result.layout().label(), result.clusters(), result.services(),
                    result.endpointsPerService()));
            for (ScaleBenchmark.RecordSize record : result.records()) {
                out.println(String.format(Locale.ROOT, "  %-82s %,9d bytes (%,8d LZ4)", record.record(), record.bytes(),
                        record.lz4Bytes()));
            }
            out.println(String.format(Locale.ROOT, "  peers in one cluster's desired config: %d", result.peersInConfig()));
            RemoteReach.Result reach = result.reach();
            out.println(String.format(Locale.ROOT, "  caller c000 reaches: %d of %d services with exactly the expected"
                            + " addresses; per service %d addresses (%d endpoint addresses, %d east-west gateways) in %d"
                            + " localities, %d priorities", reach.servicesMatching(), reach.servicesChecked(),
                    reach.endpointsPerService(), reach.directPerService(), reach.gatewaysPerService(),
                    reach.clustersPerService(), reach.priorities()));
            reach.mismatches().forEach(mismatch -> out.println("    mismatch: " + mismatch));
            out.println(String.format(Locale.ROOT, "  every cluster as the caller: %d of %d checked (of %d) reach exactly"
                    + " what they need", result.callersComplete(), result.callersChecked(), result.clusters()));
            result.otherMismatches().forEach(mismatch -> out.println("    mismatch: " + mismatch));
            out.println(String.format(Locale.ROOT, "  translation for c000 with all %d inventories: p50 %.1f ms, p99 %.1f"
                            + " ms (%d rounds); heap: inventories %.1f MiB, one translation's resources %.1f MiB",
                    result.clusters(), result.translation().p50(), result.translation().p99(),
                    result.translation().samples(), mib(result.inventoriesHeap()), mib(result.resourcesHeap())));
            out.println(String.format(Locale.ROOT, "  the same after one endpoint of one service in c001 changed health,"
                            + " by c000's warm translator: p50 %.1f ms, p99 %.1f ms (%d rounds)",
                    result.incremental().p50(), result.incremental().p99(), result.incremental().samples()));
        }
        propagation.ifPresent(result -> {
            out.println();
            out.println(String.format(Locale.ROOT, "One endpoint change in c000 to the callers (%d clusters, %,d services;"
                            + " watched: %s), ms from the change, %d changes:", result.clusters(), result.services(),
                    String.join(", ", result.watched()), result.changes()));
            out.println(String.format(Locale.ROOT, "  %-58s %9s %9s %9s", "", "p50", "p99", "max"));
            line(out, "c000's agent's record on the status topic", result.agentSent());
            line(out, "the distributor's signed record on the inventory topic", result.republished());
            line(out, "every watched agent holds the new inventory", result.agentsHold());
            line(out, "every watched client ACKed the new EDS (propagation)", result.clientsReceived());
        });
        churn.ifPresent(result -> {
            out.println();
            out.println(String.format(Locale.ROOT, "Churn in c000: %d endpoint changes per second for %d s (%,d changes,"
                            + " made in %.1f s): %d inventory records sent by c000's agent, %d republished by the distributor; callers %s",
                    result.changesPerSecond(), result.seconds(), result.changes(), result.madeInSeconds(), result.recordsSent(),
                    result.recordsRepublished(), result.converged()
                            ? String.format(Locale.ROOT, "converged %.0f ms after the last change", result.convergedMillis())
                            : "did NOT converge"));
            out.println("  CPU over the churn, by thread group (ms, share of one core):");
            result.cpu().stream().filter(group -> group.cpuMillis() >= 1).limit(25).forEach(group -> out.println(
                    String.format(Locale.ROOT, "    %-70s %3d thread(s) %9.0f ms %6.1f%%", group.name(), group.threads(),
                            group.cpuMillis(), 100 * group.shareOfOneCore())));
        });
        for (FailoverBenchmark.Result result : failover) {
            out.println();
            out.println(String.format(Locale.ROOT, "Failover, %s (%d trials):", result.fault(), result.trials()));
            line(out, "fault -> first call served elsewhere, ms", result.toServedElsewhere());
            line(out, "fault -> the agent's probes declare it, ms", result.toProbesDeclare());
            line(out, "repair -> calls back (failback), ms", result.failback());
            out.println(String.format(Locale.ROOT, "  failed calls: %d of %d made between the faults and the switches (at"
                    + " most %d in one trial)", result.failedCalls(), result.callsMade(), result.maxFailedCallsInATrial()));
        }
        out.println();
        out.println("Targets:");
        targets().forEach((target, met) -> out.println("  " + (met ? "met     " : "NOT met ") + target));
    }

    Map<String, Boolean> targets() {
        Map<String, Boolean> targets = new LinkedHashMap<>();
        for (ScaleBenchmark.Result result : scale) {
            int largest = result.records().stream().mapToInt(ScaleBenchmark.RecordSize::bytes).max().orElse(0);
            targets.put(String.format(Locale.ROOT, "%s: no Kafka record over 1 MB (largest %,d bytes)",
                    result.layout().label(), largest), largest < ScaleBenchmark.RECORD_LIMIT_BYTES);
            targets.put(String.format(Locale.ROOT, "%s: every cluster reaches every remote endpoint it needs (%d of %d"
                            + " clusters checked%s; c000: %d of %d services)", result.layout().label(),
                    result.callersComplete(), result.callersChecked(), result.callersChecked() < result.clusters()
                            ? ", not all " + result.clusters() + ": not judged (--scale-callers)" : "",
                    result.reach().servicesMatching(), result.reach().servicesChecked()),
                    result.callersComplete() == result.clusters());
        }
        propagation.ifPresent(result -> targets.put(String.format(Locale.ROOT,
                "one endpoint change reaches the callers in p99 < %.0f ms (%.1f ms)", TARGET_PROPAGATION_P99_MS,
                result.clientsReceived().p99()), result.clientsReceived().p99() < TARGET_PROPAGATION_P99_MS));
        churn.ifPresent(result -> {
            targets.put(String.format(Locale.ROOT, "churn coalesced (%d records for %d changes)", result.recordsSent(),
                    result.changes()), result.recordsSent() < result.changes());
            targets.put("callers converge after the churn", result.converged());
        });
        for (FailoverBenchmark.Result result : failover) {
            targets.put(String.format(Locale.ROOT, "%s: p99 < %.0f ms (%.1f ms)", result.fault(),
                    TARGET_FAILOVER_P99_MS, result.toServedElsewhere().p99()),
                    result.toServedElsewhere().p99() < TARGET_FAILOVER_P99_MS);
            targets.put(String.format(Locale.ROOT, "%s, by the agent's probes alone: p99 < %.0f ms (%.1f ms)",
                    result.fault(), TARGET_FAILOVER_P99_MS, result.toProbesDeclare().p99()),
                    result.toProbesDeclare().p99() < TARGET_FAILOVER_P99_MS);
        }
        return targets;
    }

    void writeJson(Path file) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("startedAt", startedAt);
        json.put("machine", machine);
        json.put("loadAverages", loadAverages);
        json.put("scale", scale);
        json.put("endpointPropagation", propagation.orElse(null));
        json.put("churn", churn.orElse(null));
        json.put("failover", failover);
        json.put("targets", targets());
        new ObjectMapper().findAndRegisterModules().enable(SerializationFeature.INDENT_OUTPUT)
                .writeValue(file.toFile(), json);
    }

    private static void line(PrintStream out, String label, Percentiles percentiles) {
        out.println(String.format(Locale.ROOT, "  %-58s %9.1f %9.1f %9.1f", label, percentiles.p50(), percentiles.p99(),
                percentiles.max()));
    }

    private static double mib(long bytes) {
        return bytes / 1048576.0;
    }
}

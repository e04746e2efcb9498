package dev.fedmesh.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** One run's readings: the table for people, and the same numbers as CSV and JSON for tools. */
record Report(Machine machine, String startedAt, int changes, List<PropagationBenchmark.Result> propagation,
              FloorBenchmark.Result floor, CompileBenchmark.Result compile, List<AgentHeapBenchmark.Result> heap,
              List<Double> loadAverages) {

    static final double TARGET_P99_AT_100_MS = 250;
    static final double TARGET_FLOOR_RATIO_AT_10 = 3;
    static final double TARGET_COMPILE_ONE_CLUSTER_MS = 200;

    void print(PrintStream out) {
        out.println();
        out.println("fedmesh benchmark, " + startedAt + ", on " + machine.summary());
        out.println("1-minute load average as each phase began and at the end (every process on the machine): " + loadAverages);
        out.println();
        out.println("Propagation: API 200 -> every agent applied the revision and the real xDS client in each watched"
                + " cluster received it, ACKing it for every resource type (" + changes + " changes per row)");
        out.println(String.format(Locale.ROOT, "  %-9s %-22s %9s %9s %9s | %-17s %-17s %-17s %-17s",
                "clusters", "xDS clients in", "p50 ms", "p99 ms", "max ms", "agents p50/p99", "received p50/p99",
                "1st call p50/p99", "API answer p50/p99"));
        for (PropagationBenchmark.Result result : propagation) {
            out.println(String.format(Locale.ROOT, "  %-9d %-22s %9.1f %9.1f %9.1f | %-17s %-17s %-17s %-17s",
                    result.clusters(), String.join(",", result.watchedClusters()), result.propagation().p50(),
                    result.propagation().p99(), result.propagation().max(), pair(result.agentsApplied()),
                    pair(result.clientsReceived()), pair(result.clientsRouted()), pair(result.apiAnswer())));
        }
        out.println("  (1st call: the first call each client made after it received the revision was answered by the"
                + " version the new route sends every call to; the clients call only then.)");
        for (PropagationBenchmark.Result result : propagation) {
            out.println(String.format(Locale.ROOT, "  %d cluster(s): measured after %d warm-up changes; the JIT compiled"
                    + " for %.0f%% of one core while the changes were measured", result.clusters(),
                    result.warmUpChanges(), 100 * result.jitShareMeasured()));
        }
        out.println();
        FloorBenchmark.Sampled paced = floor.paced();
        FloorBenchmark.Sampled backToBack = floor.backToBack();
        out.println("Floor (" + floor.recordBytes() + "-byte record, one cluster's desired-config record), each sample"
                + " after the " + floor.pause().toMillis() + " ms pause every change has before it, and back to back:");
        out.println(String.format(Locale.ROOT, "  %-40s %9s %9s   %9s %9s", "", "p50 ms", "p99 ms", "b2b p50", "b2b p99"));
        line(out, "PostgreSQL commit (JDBC, one small tx)", paced.postgresCommit(), backToBack.postgresCommit());
        line(out, "Kafka produce -> consume", paced.kafkaProduceToConsume(), backToBack.kafkaProduceToConsume());
        line(out, "floor = both", paced.floor(), backToBack.floor());
        line(out, String.format(Locale.ROOT, "fanned out: commit, %d records, %d readers", floor.fanOutClusters(),
                floor.fanOutClusters()), paced.fanOutFloor(), backToBack.fanOutFloor());
        find(10).ifPresent(ten -> out.println(String.format(Locale.ROOT,
                "  propagation / floor at 10 clusters: p50 %.1fx, p99 %.1fx (to the floor back to back: %.1fx, %.1fx)",
                ten.propagation().p50() / paced.floor().p50(), ten.propagation().p99() / paced.floor().p99(),
                ten.propagation().p50() / backToBack.floor().p50(), ten.propagation().p99() / backToBack.floor().p99())));
        find(floor.fanOutClusters()).ifPresent(row -> out.println(String.format(Locale.ROOT,
                "  propagation / fanned-out floor at %d clusters: p50 %.1fx, p99 %.1fx", row.clusters(),
                row.propagation().p50() / paced.fanOutFloor().p50(),
                row.propagation().p99() / paced.fanOutFloor().p99())));
        out.println();
        out.println(String.format(Locale.ROOT, "Compile + seal, tenant of %d clusters, %d services, %d policies:",
                compile.clusters(), compile.services(), compile.policies()));
        out.println(String.format(Locale.ROOT, "  one cluster   p50 %8.1f ms  p99 %8.1f ms  (%d rounds)",
                compile.oneCluster().p50(), compile.oneCluster().p99(), compile.oneCluster().samples()));
        out.println(String.format(Locale.ROOT, "  all %-3d       p50 %8.1f ms  p99 %8.1f ms  (%d rounds)",
                compile.clusters(), compile.allClusters().p50(), compile.allClusters().p99(),
                compile.allClusters().samples()));
        out.println(String.format(Locale.ROOT, "  one cluster's record: %,d bytes, %,d bytes LZ4-compressed",
                compile.recordBytes(), compile.recordLz4Bytes()));
        out.println();
        out.println("Agent heap retained after GC:");
        for (AgentHeapBenchmark.Result result : heap) {
            out.println(String.format(Locale.ROOT, "  %,6d services, %,6d policies, %,6d endpoints: %8.1f MiB",
                    result.services(), result.policies(), result.endpoints(), result.retainedBytes() / 1048576.0));
        }
        out.println();
        out.println("Targets:");
        for (Map.Entry<String, Boolean> target : targets().entrySet()) {
            out.println("  " + (target.getValue() ? "met     " : "NOT met ") + target.getKey());
        }
    }

    Map<String, Boolean> targets() {
        Map<String, Boolean> targets = new LinkedHashMap<>();
        find(100).ifPresent(hundred -> targets.put(String.format(Locale.ROOT,
                "propagation p99 < %.0f ms at 100 clusters (%.1f ms)", TARGET_P99_AT_100_MS,
                hundred.propagation().p99()), hundred.propagation().p99() < TARGET_P99_AT_100_MS));
        find(10).ifPresent(ten -> {
            // Ten agents are fed by one commit fanned out to ten readers, sampled after the same pause as a
            // change: that fan-out is the floor a 10-cluster change is judged against, at p99.
            double p99 = ten.propagation().p99() / floor.paced().fanOutFloor().p99();
            targets.put(String.format(Locale.ROOT, "propagation <= %.0fx the fanned-out floor at 10 clusters, p99 (%.1fx)",
                    TARGET_FLOOR_RATIO_AT_10, p99), p99 <= TARGET_FLOOR_RATIO_AT_10);
        });
        targets.put(String.format(Locale.ROOT, "compile of %,d services for one cluster < %.0f ms, p99 (%.1f ms)",
                compile.services(), TARGET_COMPILE_ONE_CLUSTER_MS, compile.oneCluster().p99()),
                compile.oneCluster().p99() < TARGET_COMPILE_ONE_CLUSTER_MS);
        return targets;
    }

    void writeCsv(Path file) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("measurement,clusters,samples,p50_ms,p99_ms,min_ms,max_ms");
        for (PropagationBenchmark.Result result : propagation) {
            lines.add(row("propagation", result.clusters(), result.propagation()));
            lines.add(row("agents_applied", result.clusters(), result.agentsApplied()));
            lines.add(row("clients_received", result.clusters(), result.clientsReceived()));
            lines.add(row("clients_routed", result.clusters(), result.clientsRouted()));
            lines.add(row("api_answer", result.clusters(), result.apiAnswer()));
        }
        floorRows(lines, "floor_", floor.paced());
        floorRows(lines, "floor_back_to_back_", floor.backToBack());
        lines.add(row("compile_seal_one_cluster", 1, compile.oneCluster()));
        lines.add(row("compile_seal_all_clusters", compile.clusters(), compile.allClusters()));
        Files.write(file, lines);
    }

    void writeJson(Path file) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("startedAt", startedAt);
        json.put("machine", machine);
        json.put("changesPerClusterCount", changes);
        json.put("loadAverages", loadAverages);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (PropagationBenchmark.Result result : propagation) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("clusters", result.clusters());
            row.put("watchedClusters", result.watchedClusters());
            row.put("propagationMs", result.propagation());
            row.put("agentsAppliedMs", result.agentsApplied());
            row.put("clientsReceivedMs", result.clientsReceived());
            row.put("clientsRoutedMs", result.clientsRouted());
            row.put("apiAnswerMs", result.apiAnswer());
            row.put("recordBytes", result.record().length);
            row.put("warmUpChanges", result.warmUpChanges());
            row.put("jitShareOfOneCoreWhileMeasured", result.jitShareMeasured());
            rows.add(row);
        }
        json.put("propagation", rows);
        Map<String, Object> floorJson = new LinkedHashMap<>();
        floorJson.put("recordBytes", floor.recordBytes());
        floorJson.put("fanOutClusters", floor.fanOutClusters());
        floorJson.put("pauseBeforeEachSampleMs", floor.pause().toMillis());
        floorJson.put("afterPause", floorJson(floor.paced()));
        floorJson.put("backToBack", floorJson(floor.backToBack()));
        json.put("floor", floorJson);
        json.put("compile", compile);
        json.put("agentHeap", heap);
        json.put("targets", targets());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), json);
    }

    private Optional<PropagationBenchmark.Result> find(int clusters) {
        return propagation.stream().filter(result -> result.clusters() == clusters).findFirst();
    }

    private void floorRows(List<String> lines, String prefix, FloorBenchmark.Sampled sampled) {
        lines.add(row(prefix + "postgres_commit", 0, sampled.postgresCommit()));
        lines.add(row(prefix + "kafka_produce_to_consume", 0, sampled.kafkaProduceToConsume()));
        lines.add(row(prefix + "both", 0, sampled.floor()));
        lines.add(row(prefix + "fanned_out", floor.fanOutClusters(), sampled.fanOutFloor()));
    }

    private static Map<String, Object> floorJson(FloorBenchmark.Sampled sampled) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("postgresCommitMs", sampled.postgresCommit());
        json.put("kafkaProduceToConsumeMs", sampled.kafkaProduceToConsume());
        json.put("floorMs", sampled.floor());
        json.put("fanOutFloorMs", sampled.fanOutFloor());
        return json;
    }

    private static void line(PrintStream out, String label, Percentiles paced, Percentiles backToBack) {
        out.println(String.format(Locale.ROOT, "  %-40s %9.2f %9.2f   %9.2f %9.2f", label, paced.p50(), paced.p99(),
                backToBack.p50(), backToBack.p99()));
    }

    private static String pair(Percentiles percentiles) {
        return String.format(Locale.ROOT, "%.1f/%.1f", percentiles.p50(), percentiles.p99());
    }

    private static String row(String measurement, int clusters, Percentiles percentiles) {
        return String.format(Locale.ROOT, "%s,%d,%d,%.3f,%.3f,%.3f,%.3f", measurement, clusters, percentiles.samples(),
                percentiles.p50(), percentiles.p99(), percentiles.min(), percentiles.max());
    }
}

package dev.fedmesh.bench.dataplane;

import dev.fedmesh.bench.Machine;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/** What {@link DataPlaneBenchmark} found, printed as the table docs/benchmarks.md quotes. */
record DataPlaneReport(Machine machine, String startedAt, int rate, Duration measured, Duration warmUp, double idleCores,
                       Variant plain, Variant mesh, long agentHeapBytes, long agentRssBytes, ServedXds served,
                       Set<String> policies, List<Double> loadAverages) {
    private static final double MIB = 1024 * 1024;

    /**
     * One variant's run: its latencies, the cores the whole process kept busy while it ran, the CPU
     * per call above the idle stack's, and what its server, channel and run added to the heap (after
     * full collections) and to the resident set.
     */
    record Variant(String name, CallLatencies latencies, double cores, double cpuMicrosPerCall, long heapBytes,
                   long rssBytes) {
    }

    void print(PrintStream out) {
        out.printf("What the data plane costs a call: %d calls/s, open loop, latency from each call's due time;"
                + " %d s measured after %d s warm-up per variant%n", rate, measured.toSeconds(), warmUp.toSeconds());
        out.printf("%s, %s, %s%n%n", startedAt, machine.summary(), machine.os());
        out.printf("%-18s %7s %6s %6s %8s %8s %9s %8s %6s %7s %10s %8s%n", "variant", "calls", "failed", "late",
                "p50 ms", "p99 ms", "p99.9 ms", "max ms", "cores", "µs/call", "heap MiB", "RSS MiB");
        row(out, plain);
        row(out, mesh);
        out.printf("%-18s %7s %6s %6s %8s %8s %9s %8s %6s %7s%n", "mesh / plain", "", "", "",
                ratio(mesh.latencies().p50(), plain.latencies().p50()),
                ratio(mesh.latencies().p99(), plain.latencies().p99()),
                ratio(mesh.latencies().p999(), plain.latencies().p999()),
                ratio(mesh.latencies().max(), plain.latencies().max()),
                ratio(mesh.cores() - idleCores, plain.cores() - idleCores),
                ratio(mesh.cpuMicrosPerCall(), plain.cpuMicrosPerCall()));
        out.println();
        out.printf("cores: CPU time of the whole process per second of the measured window (the idle stack alone: %.3f);"
                + " µs/call: above the idle stack's%n", idleCores);
        out.println("heap / RSS: added by the variant's server, channel and run (heap after full collections); the mesh's"
                + " agent added " + mib(agentHeapBytes) + " MiB heap, " + mib(agentRssBytes) + " MiB RSS before that");
        for (Variant variant : List.of(plain, mesh)) {
            if (!variant.latencies().failures().isEmpty()) {
                out.println(variant.name() + " failures: " + variant.latencies().failures());
            }
        }
        out.println();
        out.println("policies written through the API: " + String.join(", ", policies));
        out.println("what the served xDS carried:");
        served.describe().forEach(line -> out.println("  " + line));
        out.println();
        out.println("load average (1 min) at each phase and at the end: " + loadAverages);
    }

    private static void row(PrintStream out, Variant variant) {
        CallLatencies l = variant.latencies();
        out.printf("%-18s %7d %6d %6d %8.2f %8.2f %9.2f %8.2f %6.3f %7.0f %10s %8s%n", variant.name(), l.calls(),
                l.calls() - l.answered(), l.lateSends(), l.p50(), l.p99(), l.p999(), l.max(), variant.cores(),
                variant.cpuMicrosPerCall(), mib(variant.heapBytes()), mib(variant.rssBytes()));
    }

    private static String ratio(double mesh, double plain) {
        return plain <= 0 ? "n/a" : "%.2f×".formatted(mesh / plain);
    }

    private static String mib(long bytes) {
        return bytes < -Long.MAX_VALUE / 2 ? "n/a" : "%.1f".formatted(bytes / MIB);
    }
}

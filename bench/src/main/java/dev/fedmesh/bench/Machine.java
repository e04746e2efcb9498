package dev.fedmesh.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

/** The machine a run was measured on, as docs/benchmarks.md records it. */
public record Machine(int processors, String cpuModel, long memoryMiB, String java, String os) {

    public static Machine current() {
        return new Machine(
                Runtime.getRuntime().availableProcessors(),
                procLine("/proc/cpuinfo", "model name").orElse(System.getProperty("os.arch")),
                procLine("/proc/meminfo", "MemTotal").map(Machine::kibToMib).orElse(-1L),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"),
                System.getProperty("os.name") + " " + System.getProperty("os.version"));
    }

    /** The 1-minute load average (runnable threads, all processes), or -1 where /proc/loadavg is missing. */
    public static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Prints one step of a run to stderr, stamped with the time and the load average, and adds that
     * load average to {@code loadAverages}, which the run's report prints.
     */
    public static void progress(List<Double> loadAverages, String format, Object... args) {
        double load = loadAverage();
        loadAverages.add(load);
        System.err.println("[bench " + Instant.now().truncatedTo(ChronoUnit.SECONDS) + "] "
                + format.formatted(args) + " (load average " + load + ")");
    }

    public String summary() {
        return processors + " cores (" + cpuModel + "), " + Math.round(memoryMiB / 1024.0) + " GiB, " + java;
    }

    private static Optional<String> procLine(String file, String key) {
        try {
            List<String> lines = Files.readAllLines(Path.of(file));
            return lines.stream()
                    .filter(line -> line.startsWith(key))
                    .map(line -> line.substring(line.indexOf(':') + 1).trim())
                    .findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static long kibToMib(String value) {
        return Long.parseLong(value.replaceAll("[^0-9]", "")) / 1024;
    }
}

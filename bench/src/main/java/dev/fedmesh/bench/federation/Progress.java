package dev.fedmesh.bench.federation;

import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/** The run's progress on stderr, each line with the machine's load average, which the report keeps. */
final class Progress {
    private final List<Double> loadAverages = new ArrayList<>();

    void note(String format, Object... args) {
        double load = loadAverage();
        synchronized (this) {
            loadAverages.add(load);
        }
        System.err.println("[bench " + Instant.now().truncatedTo(ChronoUnit.SECONDS) + "] " + format.formatted(args)
                + " (load average " + load + ")");
    }

    synchronized List<Double> loadAverages() {
        return List.copyOf(loadAverages);
    }

    /** The 1-minute load average (runnable threads, all processes), or -1 where the JVM cannot tell. */
    static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }
}

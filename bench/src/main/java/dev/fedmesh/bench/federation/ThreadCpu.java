package dev.fedmesh.bench.federation;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * CPU time per thread over a window, from {@link ThreadMXBean}, summed into groups by thread name
 * (the distributor, each agent, shared libraries' pools). A thread that ends inside the window is
 * counted up to the last reading that saw it; one that starts inside it, from zero.
 */
final class ThreadCpu {

    /** CPU milliseconds of one group over the window, and its share of one core. */
    record Group(String name, int threads, double cpuMillis, double shareOfOneCore) {
    }

    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final Function<String, String> grouping;
    private final Map<Long, Long> startNanos = new HashMap<>();
    private long startedAt;

    /** {@code grouping} names the group of a thread by its name. */
    ThreadCpu(Function<String, String> grouping) {
        this.grouping = grouping;
        if (!threads.isThreadCpuTimeSupported()) {
            throw new IllegalStateException("this JVM does not measure per-thread CPU time");
        }
        threads.setThreadCpuTimeEnabled(true);
    }

    /** Starts the window: every live thread's CPU time now. */
    void start() {
        startNanos.clear();
        for (long id : threads.getAllThreadIds()) {
            long cpu = threads.getThreadCpuTime(id);
            if (cpu >= 0) {
                startNanos.put(id, cpu);
            }
        }
        startedAt = System.nanoTime();
    }

    /** Ends the window: the groups, busiest first. */
    List<Group> stop() {
        double wallMillis = (System.nanoTime() - startedAt) / 1e6;
        Map<String, double[]> sums = new TreeMap<>();
        long[] ids = threads.getAllThreadIds();
        ThreadInfo[] infos = threads.getThreadInfo(ids);
        for (int i = 0; i < ids.length; i++) {
            long cpu = threads.getThreadCpuTime(ids[i]);
            if (cpu < 0 || infos[i] == null) {
                continue;
            }
            double millis = (cpu - startNanos.getOrDefault(ids[i], 0L)) / 1e6;
            double[] sum = sums.computeIfAbsent(grouping.apply(infos[i].getThreadName()), name -> new double[2]);
            sum[0] += millis;
            sum[1]++;
        }
        Map<String, Group> groups = new LinkedHashMap<>();
        sums.entrySet().stream()
                .sorted((a, b) -> Double.compare(b.getValue()[0], a.getValue()[0]))
                .forEach(entry -> groups.put(entry.getKey(), new Group(entry.getKey(), (int) entry.getValue()[1],
                        entry.getValue()[0], entry.getValue()[0] / wallMillis)));
        return List.copyOf(groups.values());
    }

    /**
     * The grouping fedmesh's thread names allow: a thread naming {@code <tenant>-<cluster>} (the
     * agent's own threads, its translation thread {@code xds-translate-<tenant>-<cluster>} among them,
     * and its Kafka clients') is that cluster's agent; the distributor's threads
     * and Kafka clients are the distributor; anything else is grouped by its name with digits
     * dropped (pools shared by every agent in the JVM, the broker, PostgreSQL's JDBC).
     */
    static Function<String, String> fedmeshGroups(String tenant, List<String> clusters) {
        return name -> {
            for (String cluster : clusters) {
                if (name.contains(tenant + "-" + cluster)) {
                    return "agent " + cluster;
                }
            }
            if (name.startsWith("fedmesh-outbox-relay") || name.startsWith("fedmesh-status-ingester")
                    || name.startsWith("fedmesh-root-rotations") || name.startsWith("fedmesh-agent-access-sweep")
                    || name.contains("fedmesh-distributor")) {
                return "distributor";
            }
            return "other: " + name.replaceAll("[0-9]+", "#");
        };
    }
}

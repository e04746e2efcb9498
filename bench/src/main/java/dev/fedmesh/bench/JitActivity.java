package dev.fedmesh.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

/**
 * How busy the JIT compiler is, from the JVM's accumulated compilation time (all compiler threads
 * summed): the share of one core spent compiling over a window of wall time. A benchmark in one
 * JVM with a broker, an API, a distributor and agents compiles for minutes; on two cores the
 * compiler threads take CPU from what is measured, so changes are measured only once it is quiet.
 */
final class JitActivity {
    private static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    private final Deque<long[]> samples = new ArrayDeque<>();

    /** Whether the JVM reports its compilation time; without it the warm-up is its minimum alone. */
    boolean measurable() {
        return jit != null && jit.isCompilationTimeMonitoringSupported();
    }

    /** Compilation time so far, in milliseconds (summed over compiler threads). */
    long compilationMillis() {
        return measurable() ? jit.getTotalCompilationTime() : 0;
    }

    /** Notes the compilation time now; call after every change. */
    void sample() {
        long now = System.nanoTime();
        samples.addLast(new long[] {now, compilationMillis()});
        // Keep the newest samples that span at least a window.
        while (samples.size() > 2) {
            Iterator<long[]> oldest = samples.iterator();
            oldest.next();
            if (now - oldest.next()[0] < WINDOW_NANOS) {
                break;
            }
            samples.removeFirst();
        }
    }

    /**
     * The share of one core spent compiling over the last window (at least 5 s of samples), or 1
     * while less than a window has been sampled.
     */
    double recentShare() {
        if (!measurable() || samples.size() < 2) {
            return 1;
        }
        long[] first = samples.getFirst();
        long[] last = samples.getLast();
        long wallNanos = last[0] - first[0];
        if (wallNanos < WINDOW_NANOS) {
            return 1;
        }
        return (last[1] - first[1]) / (wallNanos / 1e6);
    }
}

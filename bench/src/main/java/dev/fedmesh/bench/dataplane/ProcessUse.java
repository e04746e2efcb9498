package dev.fedmesh.bench.dataplane;

import com.sun.management.OperatingSystemMXBean;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What this process uses at one moment: CPU time so far (every thread, from the operating system),
 * the heap still in use after full collections, and the resident set size.
 */
record ProcessUse(long atNanos, long cpuNanos, long heapBytes, long rssBytes) {

    /** Now, with the heap measured after collections (takes about half a second). */
    static ProcessUse now() {
        long heap = heapAfterGc();
        return new ProcessUse(System.nanoTime(), processCpuNanos(), heap, residentBytes());
    }

    /** Now, CPU and clock only: for the edges of a measured window, where a collection would distort it. */
    static ProcessUse cpuNow() {
        return new ProcessUse(System.nanoTime(), processCpuNanos(), -1, -1);
    }

    /** CPU seconds this process spent per second of wall clock since {@code earlier}: cores kept busy. */
    double coresSince(ProcessUse earlier) {
        return (double) (cpuNanos - earlier.cpuNanos) / (atNanos - earlier.atNanos);
    }

    private static long processCpuNanos() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static long heapAfterGc() {
        long used = Long.MAX_VALUE;
        // Several collections, keeping the lowest reading: reference queues and finalizers settle.
        for (int i = 0; i < 4; i++) {
            System.gc();
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted measuring the heap", e);
            }
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    private static long residentBytes() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(line -> line.startsWith("VmRSS:"))
                    .map(line -> Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024)
                    .findFirst().orElse(-1L);
        } catch (IOException e) {
            return -1;
        }
    }
}

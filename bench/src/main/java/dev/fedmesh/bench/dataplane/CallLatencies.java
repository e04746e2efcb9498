package dev.fedmesh.bench.dataplane;

import io.grpc.Status;

import java.util.Arrays;
import java.util.Map;

/**
 * Latencies of the answered calls of one run, in milliseconds from each call's due time, by the
 * nearest-rank method; failed calls are counted by status instead. {@code lateSends} counts the
 * calls the sender itself sent more than one period after they were due (a busy machine).
 */
record CallLatencies(int calls, int answered, double p50, double p99, double p999, double max,
                     Map<Status.Code, Integer> failures, long lateSends) {

    static CallLatencies of(long[] nanos, boolean[] failed, Map<Status.Code, Integer> failures, long lateSends) {
        double[] millis = new double[nanos.length];
        int answered = 0;
        for (int i = 0; i < nanos.length; i++) {
            if (!failed[i]) {
                millis[answered++] = nanos[i] / 1e6;
            }
        }
        if (answered == 0) {
            throw new IllegalStateException("every one of " + nanos.length + " calls failed: " + failures);
        }
        double[] sorted = Arrays.copyOf(millis, answered);
        Arrays.sort(sorted);
        return new CallLatencies(nanos.length, answered, rank(sorted, 0.50), rank(sorted, 0.99), rank(sorted, 0.999),
                sorted[sorted.length - 1], Map.copyOf(failures), lateSends);
    }

    private static double rank(double[] sorted, double quantile) {
        int index = (int) Math.ceil(quantile * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
}

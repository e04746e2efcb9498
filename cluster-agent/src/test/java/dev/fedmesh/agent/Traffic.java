package dev.fedmesh.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/** Real calls through a proxyless channel, counted by the backend that answered. */
final class Traffic {

    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private final ManagedChannel channel;

    Traffic(ManagedChannel channel) {
        this.channel = channel;
    }

    /** One call; waits for the channel to be ready (the first xDS answers) for up to 20 s. */
    String call() {
        return SimpleServiceGrpc.newBlockingStub(channel)
                .withWaitForReady()
                .withDeadlineAfter(20, TimeUnit.SECONDS)
                .unaryRpc(SimpleRequest.getDefaultInstance())
                .getResponseMessage();
    }

    /** How many of {@code calls} calls each backend answered. */
    Map<String, Integer> sample(int calls) {
        Map<String, Integer> counts = new TreeMap<>();
        for (int i = 0; i < calls; i++) {
            counts.merge(call(), 1, Integer::sum);
        }
        return counts;
    }

    /**
     * Calls until {@code consecutive} calls in a row were answered only by {@code backends} (the
     * sign the client has the routing that allows nothing else); fails after a generous wait.
     */
    void awaitOnly(Set<String> backends, int consecutive) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        int run = 0;
        while (run < consecutive) {
            assertThat(System.nanoTime()).as("%d calls in a row answered only by %s", consecutive, backends)
                    .isLessThan(deadline);
            run = backends.contains(callOrNull()) ? run + 1 : 0;
        }
    }

    /** Calls until {@code backend} answers once; fails after a generous wait. */
    void awaitAnswerFrom(String backend) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!backend.equals(callOrNull())) {
            assertThat(System.nanoTime()).as("a call answered by %s", backend).isLessThan(deadline);
        }
    }

    private String callOrNull() {
        try {
            return call();
        } catch (StatusRuntimeException e) {
            return null;
        }
    }

    /**
     * Asserts that {@code hits} of {@code calls} calls is what a share of {@code expectedShare}
     * gives, within six standard deviations of the binomial distribution: a wrong split cannot
     * pass by chance, a right one fails about once in 500 million runs.
     */
    static void assertShare(int hits, int calls, double expectedShare) {
        double mean = calls * expectedShare;
        double sigma = Math.sqrt(calls * expectedShare * (1 - expectedShare));
        assertThat((double) hits)
                .as("%d of %d calls, expected share %.2f (mean %.0f, sigma %.1f)", hits, calls, expectedShare, mean, sigma)
                .isBetween(mean - 6 * sigma, mean + 6 * sigma);
    }
}

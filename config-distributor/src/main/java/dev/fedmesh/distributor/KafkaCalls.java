package dev.fedmesh.distributor;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;

/**
 * Waiting for a Kafka client's answer as every Kafka call of the distributor does: for a bounded
 * time, turning a failure, a timeout or an interruption into the caller's own exception, whose
 * message says what was being done.
 */
public final class KafkaCalls {
    private KafkaCalls() {
    }

    /**
     * The answer of {@code call}, waited for at most {@code timeoutSeconds}; otherwise the exception
     * {@code failure} makes from a message beginning with {@code what} and the cause (the broker's own
     * exception, when it answered with one).
     */
    public static <T> T await(Future<T> call, long timeoutSeconds, String what,
                              BiFunction<String, Throwable, ? extends RuntimeException> failure) {
        try {
            return call.get(timeoutSeconds, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw failure.apply(what + " failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw failure.apply(what + ": Kafka did not answer within " + timeoutSeconds + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure.apply(what + " was interrupted", e);
        }
    }
}

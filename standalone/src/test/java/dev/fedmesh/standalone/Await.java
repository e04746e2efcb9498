package dev.fedmesh.standalone;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition with a generous timeout: a bound on a hang, not a timed assertion. */
public final class Await {
    public static final Duration PATIENCE = Duration.ofSeconds(60);

    private Await() {
    }

    public static void until(BooleanSupplier condition, String what) {
        until(condition, () -> what);
    }

    /** As {@link #until(BooleanSupplier, String)}, with a bound of its own for what takes longer. */
    public static void within(Duration patience, BooleanSupplier condition, String what) {
        wait(patience, condition, () -> what);
    }

    /** As {@link #until(BooleanSupplier, String)}, describing the state it gave up in. */
    public static void until(BooleanSupplier condition, Supplier<String> what) {
        wait(PATIENCE, condition, what);
    }

    private static void wait(Duration patience, BooleanSupplier condition, Supplier<String> what) {
        long deadline = System.nanoTime() + patience.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited " + patience.toSeconds() + " s for " + what.get());
            }
            pause(Duration.ofMillis(5));
        }
    }

    /** Sleeps for {@code duration}; a negative one returns at once. */
    public static void pause(Duration duration) {
        try {
            Thread.sleep(Math.max(0, duration.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}

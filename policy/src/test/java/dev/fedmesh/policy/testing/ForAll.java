package dev.fedmesh.policy.testing;

import java.util.Random;
import java.util.function.Consumer;

/**
 * Checks a property over many generated cases drawn from one seed, printed before the run and named by any failure.
 *
 * <p>The seed is fixed so every build checks the same cases; {@code -Dfedmesh.seed=N} (or the environment variable
 * {@code FEDMESH_SEED}) checks others. Each case has its own random state, derived from the seed and its number, so a
 * failure reproduces with the seed it names. There is no shrinking: the failing case is reported as generated.
 */
public final class ForAll {
    /** The seed every build uses unless told otherwise. */
    public static final long DEFAULT_SEED = 20_261_207L;
    public static final String SEED_PROPERTY = "fedmesh.seed";
    public static final String SEED_VARIABLE = "FEDMESH_SEED";

    private ForAll() {
    }

    /** Runs {@code property} on {@code tries} values of {@code generator}; the first that fails it fails the test. */
    public static <T> void cases(int tries, Gen<T> generator, Consumer<? super T> property) {
        long seed = seed();
        String name = callerName();
        System.out.printf("%s: %d cases from seed %d (-D%s=N or %s=N for others)%n", name, tries, seed, SEED_PROPERTY,
                SEED_VARIABLE);
        for (int index = 0; index < tries; index++) {
            T value = generator.next(caseRandom(seed, index));
            try {
                property.accept(value);
            } catch (AssertionError | RuntimeException failure) {
                throw new AssertionError("%s failed on case %d of %d from seed %d (rerun with -D%s=%d):%n%s%n%s"
                        .formatted(name, index, tries, seed, SEED_PROPERTY, seed, value, failure.getMessage()), failure);
            }
        }
    }

    /** The random state of case {@code index} under {@code seed}: independent of every other case's draws. */
    static Random caseRandom(long seed, int index) {
        return new Random(mix(seed + 0x9E3779B97F4A7C15L * (index + 1)));
    }

    static long seed() {
        String value = System.getProperty(SEED_PROPERTY, System.getenv(SEED_VARIABLE));
        if (value == null || value.isBlank()) {
            return DEFAULT_SEED;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException notANumber) {
            throw new IllegalArgumentException("the seed (" + SEED_PROPERTY + " or " + SEED_VARIABLE
                    + ") must be a whole number, not '" + value + "'", notANumber);
        }
    }

    /** SplitMix64's finaliser: neighbouring seeds give unrelated random states. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static String callerName() {
        return StackWalker.getInstance().walk(frames -> frames
                .filter(frame -> !frame.getClassName().startsWith(ForAll.class.getPackageName() + ".")
                        || frame.getClassName().endsWith("Test"))
                .findFirst()
                .map(frame -> frame.getClassName().substring(frame.getClassName().lastIndexOf('.') + 1) + "."
                        + frame.getMethodName().replaceAll("^lambda\\$(.*)\\$\\d+$", "$1"))
                .orElse("property"));
    }
}

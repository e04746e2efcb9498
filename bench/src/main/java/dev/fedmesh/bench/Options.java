package dev.fedmesh.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A benchmark's command line: {@code --name value} pairs, each name one the benchmark knows. Asking
 * for {@code --help}, a name without a value, or an unknown name is an {@link IllegalArgumentException}
 * carrying the usage.
 */
public final class Options {
    private final Map<String, String> values;

    private Options(Map<String, String> values) {
        this.values = values;
    }

    /** Reads {@code args}, allowing only the {@code names} given (with their leading {@code --}). */
    public static Options parse(String[] args, String usage, Set<String> names) {
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (args[i].equals("--help")) {
                throw new IllegalArgumentException(usage);
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(args[i] + " needs a value\n" + usage);
            }
            if (!names.contains(args[i])) {
                throw new IllegalArgumentException("unknown option " + args[i] + "\n" + usage);
            }
            values.put(args[i], args[i + 1]);
        }
        return new Options(values);
    }

    /** The whole number given for {@code name}, or {@code otherwise}. */
    public int integer(String name, int otherwise) {
        String value = values.get(name);
        return value == null ? otherwise : Integer.parseInt(value);
    }

    /** The comma-separated whole numbers given for {@code name}, in the order given, or {@code otherwise}. */
    public List<Integer> integers(String name, List<Integer> otherwise) {
        String value = values.get(name);
        return value == null ? otherwise
                : Arrays.stream(value.split(",")).map(String::trim).map(Integer::parseInt).toList();
    }

    /** The comma-separated words given for {@code name}, trimmed, or {@code otherwise}. */
    public List<String> words(String name, List<String> otherwise) {
        String value = values.get(name);
        return value == null ? otherwise : Arrays.stream(value.split(",")).map(String::trim).toList();
    }

    /** The path given for {@code name}, or {@code otherwise}. */
    public Path path(String name, Path otherwise) {
        String value = values.get(name);
        return value == null ? otherwise : Path.of(value);
    }

    /** The settings {@code parse} reads from {@code args}; when it refuses them, says why and exits (0 for --help). */
    public static <S> S parseOrExit(String[] args, java.util.function.Function<String[], S> parse) {
        try {
            return parse.apply(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(args.length > 0 && args[0].equals("--help") ? 0 : 2);
            throw e;
        }
    }

    /**
     * Sends fedmesh's own log to {@code log} under {@code out}, keeping stdout for the table; call it
     * before the first logger is made.
     */
    public static void logTo(java.nio.file.Path out, String log) throws java.io.IOException {
        java.nio.file.Files.createDirectories(out);
        System.setProperty("logback.configurationFile", "fedmesh-bench-logback.xml");
        System.setProperty("fedmesh.bench.log", out.resolve(log).toString());
    }

    /** Deletes {@code directory} and everything under it, if it exists: a run's state starts empty. */
    public static void deleteRecursively(java.nio.file.Path directory) throws java.io.IOException {
        if (!java.nio.file.Files.exists(directory)) {
            return;
        }
        try (java.util.stream.Stream<java.nio.file.Path> paths = java.nio.file.Files.walk(directory)) {
            for (java.nio.file.Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                java.nio.file.Files.delete(path);
            }
        }
    }
}

package dev.fedmesh.standalone.faults;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A config-distributor in an OS process of its own, started as docs/operations.md describes:
 * {@code java dev.fedmesh.distributor.Main} configured by FEDMESH_DISTRIBUTOR_* environment
 * variables, on this JVM's class path (less control-api). Its output goes to a log file.
 */
final class DistributorProcess implements AutoCloseable {
    private final Process process;
    private final Path log;

    private DistributorProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    static DistributorProcess start(MeshUnderTest.Servers servers, Path signingKeyFile, Path log) {
        ProcessBuilder builder = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", distributorClassPath(),
                "dev.fedmesh.distributor.Main"))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Map<String, String> environment = builder.environment();
        environment.put("FEDMESH_DISTRIBUTOR_DB_URL", servers.jdbcUrl());
        environment.put("FEDMESH_DISTRIBUTOR_DB_USERNAME", servers.dbUsername());
        environment.put("FEDMESH_DISTRIBUTOR_DB_PASSWORD", servers.dbPassword());
        environment.put("FEDMESH_DISTRIBUTOR_KAFKA_BOOTSTRAP_SERVERS", servers.kafkaBootstrapServers());
        environment.put("FEDMESH_DISTRIBUTOR_TOPIC_PREFIX", servers.topicPrefix());
        environment.put("FEDMESH_DISTRIBUTOR_SIGNING_KEY_FILE", signingKeyFile.toString());
        try {
            return new DistributorProcess(builder.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start a distributor process", e);
        }
    }

    /**
     * This JVM's class path without control-api: the distributor's jar does not hold it, and its
     * eager beans (schema migration) would start with the distributor's configuration context.
     */
    private static String distributorClassPath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.contains("control-api"))
                .collect(Collectors.joining(File.pathSeparator));
    }

    /** Kills the process at once, as a crash or {@code kill -9} would: no shutdown hook runs. */
    void kill() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                throw new AssertionError("the distributor process " + process.pid() + " did not exit");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for the distributor process to exit", e);
        }
    }

    /** What the process printed so far, for a failure message. */
    String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Stops the process as an operator would (SIGTERM, so it closes cleanly), forcibly after 10 s. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                kill();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}

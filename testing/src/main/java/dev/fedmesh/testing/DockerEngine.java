package dev.fedmesh.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Whether a Docker engine answers, for the Testcontainers choice. Asking Testcontainers on a
 * machine without Docker is slow and logs errors, so it is only asked when something on this
 * machine points at an engine: DOCKER_HOST, a Testcontainers config file, or a known socket.
 */
public final class DockerEngine {

    private static volatile Boolean answers;

    private DockerEngine() {}

    public static boolean answers() {
        Boolean known = answers;
        if (known == null) {
            synchronized (DockerEngine.class) {
                known = answers;
                if (known == null) {
                    known = somethingPointsAtAnEngine() && testcontainersReachesIt();
                    answers = known;
                }
            }
        }
        return known;
    }

    private static boolean somethingPointsAtAnEngine() {
        String dockerHost = System.getenv("DOCKER_HOST");
        if (dockerHost != null && !dockerHost.isBlank()) {
            return true;
        }
        Path home = Path.of(System.getProperty("user.home"));
        Stream<Path> wellKnown = List.of(
                        Path.of("/var/run/docker.sock"),
                        home.resolve(".testcontainers.properties"),
                        home.resolve(".docker/run/docker.sock"),
                        home.resolve(".docker/desktop/docker.sock"),
                        home.resolve(".colima/default/docker.sock"),
                        home.resolve(".rd/docker.sock"))
                .stream();
        String runtimeDir = System.getenv("XDG_RUNTIME_DIR");
        if (runtimeDir != null && !runtimeDir.isBlank()) {
            wellKnown = Stream.concat(wellKnown, Stream.of(Path.of(runtimeDir, "docker.sock")));
        }
        return wellKnown.anyMatch(Files::exists);
    }

    private static boolean testcontainersReachesIt() {
        try {
            return org.testcontainers.DockerClientFactory.instance().isDockerAvailable();
        } catch (LinkageError | RuntimeException e) {
            // Testcontainers left off the classpath, or an engine that does not answer properly.
            return false;
        }
    }
}

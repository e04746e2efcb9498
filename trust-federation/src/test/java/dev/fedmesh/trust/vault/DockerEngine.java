package dev.fedmesh.trust.vault;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Whether a Docker engine answers, for the Testcontainers Vault test. As in fedmesh-testing,
 * Testcontainers is asked only when something points at an engine, since asking it on a machine
 * without Docker is slow and logs errors.
 */
final class DockerEngine {

    private DockerEngine() {
    }

    static boolean answers() {
        String dockerHost = System.getenv("DOCKER_HOST");
        Path home = Path.of(System.getProperty("user.home"));
        boolean pointedAt = (dockerHost != null && !dockerHost.isBlank())
                || Stream.of(Path.of("/var/run/docker.sock"), home.resolve(".testcontainers.properties"),
                        home.resolve(".docker/run/docker.sock"), home.resolve(".colima/default/docker.sock"))
                .anyMatch(Files::exists);
        if (!pointedAt) {
            return false;
        }
        try {
            return org.testcontainers.DockerClientFactory.instance().isDockerAvailable();
        } catch (LinkageError | RuntimeException e) {
            return false;
        }
    }
}

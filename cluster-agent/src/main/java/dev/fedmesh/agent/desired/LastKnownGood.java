package dev.fedmesh.agent.desired;

import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.policy.compiler.DesiredConfigEnvelopes;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last applied desired config of one cluster, kept on disk as a sealed envelope so the agent
 * serves it after a restart even when Kafka and the control plane are unreachable.
 */
public final class LastKnownGood {

    private static final Logger LOG = LoggerFactory.getLogger(LastKnownGood.class);

    private final Path file;

    public LastKnownGood(Path stateDirectory, String tenant, String cluster) {
        this.file = stateDirectory.resolve(tenant).resolve(cluster + ".desired-config.pb");
    }

    public Path file() {
        return file;
    }

    /** The stored config; empty when there is none or it does not verify (then it is logged and left in place). */
    public Optional<DesiredConfig> load() {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            LOG.warn("Cannot read last-known-good config {}: {}; starting without it until Kafka delivers one",
                    file, e.toString());
            return Optional.empty();
        }
        try {
            return Optional.of(EnvelopeVerifier.openWrittenByThisAgent(bytes));
        } catch (InvalidEnvelopeException e) {
            LOG.warn("Last-known-good config {} is damaged ({}); ignoring it until Kafka delivers a config",
                    file, e.getMessage());
            return Optional.empty();
        }
    }

    /** Replaces the stored config atomically: a crash leaves the old file or the new one, never half of one. */
    public void save(DesiredConfig config) throws IOException {
        Files.createDirectories(file.getParent());
        Path temp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
        try {
            Files.write(temp, DesiredConfigEnvelopes.seal(config).toByteArray());
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}

package dev.fedmesh.agent.desired;

import dev.fedmesh.agent.state.DurableFiles;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.policy.compiler.DesiredConfigEnvelopes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last applied desired config of one cluster, kept on disk as a sealed envelope so the agent
 * serves it after a restart even when Kafka and the control plane are unreachable. It is written
 * durably ({@link DurableFiles}): after a crash the file holds the config applied before or the
 * one applied after, whole.
 */
public final class LastKnownGood {

    private static final Logger LOG = LoggerFactory.getLogger(LastKnownGood.class);

    private final String tenant;
    private final String cluster;
    private final Path file;

    public LastKnownGood(Path stateDirectory, String tenant, String cluster) {
        this.tenant = tenant;
        this.cluster = cluster;
        this.file = stateDirectory.resolve(tenant).resolve(cluster + ".desired-config.pb");
    }

    public Path file() {
        return file;
    }

    /**
     * The stored config; empty when there is none, or it cannot be read, or it is damaged (empty,
     * truncated, not an envelope, or its digest does not match): a damaged file is moved aside
     * ({@value DurableFiles#DAMAGED_SUFFIX}), and each case is logged with what happens next.
     */
    public Optional<DesiredConfig> load() {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            LOG.warn("tenant={} cluster={} cannot read its last-known-good config {} ({}); starting without it,"
                    + " serving nothing until Kafka delivers the cluster's config: check that the file is readable by"
                    + " the agent", tenant, cluster, file, e.toString());
            return Optional.empty();
        }
        try {
            return Optional.of(EnvelopeVerifier.openWrittenByThisAgent(bytes));
        } catch (InvalidEnvelopeException e) {
            String damage = bytes.length == 0 ? "it is empty" : bytes.length + " bytes that are not a whole config ("
                    + e.getMessage() + ")";
            LOG.warn("tenant={} cluster={} last-known-good config {} is damaged: {}; {}. Serving nothing until Kafka"
                            + " delivers the cluster's config, which replaces it: if it happens again, check the disk"
                            + " under the state directory", tenant, cluster, file, damage, movedAside());
            return Optional.empty();
        }
    }

    /** Replaces the stored config durably: a crash leaves the old file or the new one, never half of one. */
    public void save(DesiredConfig config) throws IOException {
        try (DurableFiles.Staged staged = stage(config)) {
            staged.commit();
        }
    }

    /**
     * Writes {@code config} beside the stored one and forces it to disk, without replacing it: the
     * stored config is replaced only by {@link DurableFiles.Staged#commit()}.
     */
    public DurableFiles.Staged stage(DesiredConfig config) throws IOException {
        DurableFiles.createDirectories(file.getParent(), DurableFiles.OWNER_ONLY_DIRECTORY);
        return DurableFiles.stage(file, DesiredConfigEnvelopes.seal(config).toByteArray(), DurableFiles.OWNER_ONLY_FILE);
    }

    private String movedAside() {
        try {
            return "moved aside to " + DurableFiles.moveAside(file);
        } catch (IOException e) {
            return "it could not be moved aside (" + e + ") and is replaced by the next config applied";
        }
    }
}

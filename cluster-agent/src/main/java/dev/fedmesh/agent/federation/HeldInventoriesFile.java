package dev.fedmesh.agent.federation;

import dev.fedmesh.agent.state.DurableFiles;
import dev.fedmesh.api.v1.ClusterInventory;
import dev.fedmesh.api.v1.InventoryEnvelope;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The remote inventories an agent holds, kept in its state directory so that a restarted agent
 * serves them before Kafka answers: the signed envelopes as the control plane published them, one
 * after another, each preceded by its length (protobuf's delimited form), written with
 * {@link DurableFiles} so a crash leaves the old file or the new one. Each is verified again when
 * read; a file that cannot be read is moved aside, never read again, and the agent starts empty.
 */
final class HeldInventoriesFile {
    private static final Logger LOG = LoggerFactory.getLogger(HeldInventoriesFile.class);

    private final Path file;

    HeldInventoriesFile(Path file) {
        this.file = file;
    }

    Path path() {
        return file;
    }

    /** Writes every envelope, replacing the file durably. */
    void write(Collection<InventoryEnvelope> envelopes) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (InventoryEnvelope envelope : envelopes) {
            envelope.writeDelimitedTo(bytes);
        }
        DurableFiles.createDirectories(file.getParent(), DurableFiles.OWNER_ONLY_DIRECTORY);
        DurableFiles.replace(file, bytes.toByteArray(), DurableFiles.OWNER_ONLY_FILE);
    }

    /**
     * The inventories the file holds that {@code verifier} still verifies, by cluster; empty when there
     * is no file, and when it is damaged (then moved aside).
     */
    Map<String, InventoryVerifier.Verified> read(InventoryVerifier verifier) {
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Map.of();
        } catch (IOException e) {
            LOG.warn("cannot read the remote inventories kept in {} ({}); starting without them, they come back from"
                    + " Kafka", file, e.toString());
            return Map.of();
        }
        List<InventoryEnvelope> envelopes = new ArrayList<>();
        try (InputStream in = new ByteArrayInputStream(content)) {
            InventoryEnvelope envelope;
            while ((envelope = InventoryEnvelope.parseDelimitedFrom(in)) != null) {
                envelopes.add(envelope);
            }
        } catch (IOException e) {
            moveAside(e.toString());
            return Map.of();
        }
        Map<String, InventoryVerifier.Verified> held = new LinkedHashMap<>();
        for (InventoryEnvelope envelope : envelopes) {
            try {
                String cluster = ClusterInventory.parseFrom(envelope.getInventory()).getCluster();
                held.put(cluster, verifier.open(cluster, envelope));
            } catch (IOException | RefusedInventoryException e) {
                LOG.warn("a remote inventory kept in {} no longer verifies ({}); leaving it out until Kafka brings it"
                        + " again", file, e.getMessage());
            }
        }
        return held;
    }

    private void moveAside(String why) {
        try {
            Path aside = DurableFiles.moveAside(file);
            LOG.warn("the remote inventories kept in {} are damaged ({}); moved to {}, starting without them, they come"
                    + " back from Kafka", file, why, aside);
        } catch (IOException e) {
            LOG.warn("the remote inventories kept in {} are damaged ({}) and cannot be moved aside ({})", file, why,
                    e.toString());
        }
    }
}

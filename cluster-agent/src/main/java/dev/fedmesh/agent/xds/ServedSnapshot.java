package dev.fedmesh.agent.xds;

import java.util.Map;
import java.util.Objects;

/**
 * The xDS snapshot being served: its version, which names the revision and inventory it was built
 * from ({@code <revision>.<inventory generation>-<digest>}), and each resource type's version, which
 * is the snapshot version in which that type's resources last changed. A proxy holding a type's
 * version holds its current resources; a change re-sends only the types it changed.
 */
public record ServedSnapshot(String version, Map<String, String> versionsByType) {

    public ServedSnapshot {
        Objects.requireNonNull(version, "version");
        versionsByType = Map.copyOf(versionsByType);
    }

    /** The version of {@code typeUrl}'s resources being served, or null for a type not served. */
    public String versionOf(String typeUrl) {
        return versionsByType.get(typeUrl);
    }
}

package dev.fedmesh.agent.sds;

import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import java.util.Set;

/**
 * Where the agent serves SDS: a Unix domain socket, and who may connect to it. Whoever can connect
 * can ask for every local workload's private key, so the socket is the owner's only ({@code 0600})
 * or also its group's ({@code 0660}), never anyone else's.
 */
public record SdsSocket(Path path, String mode) {

    public static final String OWNER_ONLY = "0600";
    public static final String OWNER_AND_GROUP = "0660";

    public SdsSocket {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(mode, "mode");
        path = path.toAbsolutePath().normalize();
        if (!mode.equals(OWNER_ONLY) && !mode.equals(OWNER_AND_GROUP)) {
            throw new IllegalArgumentException("socket mode '" + mode + "' is not " + OWNER_ONLY + " or " + OWNER_AND_GROUP);
        }
    }

    /** A socket only the agent's own user may connect to. */
    public static SdsSocket ownerOnly(Path path) {
        return new SdsSocket(path, OWNER_ONLY);
    }

    Set<PosixFilePermission> permissions() {
        return PosixFilePermissions.fromString(mode.equals(OWNER_ONLY) ? "rw-------" : "rw-rw----");
    }
}

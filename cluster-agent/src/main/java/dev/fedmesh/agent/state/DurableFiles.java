package dev.fedmesh.agent.state;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;

/**
 * How the agent writes the files it keeps in its state directory (the last-known-good config, the
 * intermediate CA keys, the workloads' SVID files), so that after a crash or a power cut each
 * holds its old content or its new content, whole: the content goes to a new file beside it, which
 * is forced to disk ({@code fsync}) before it is renamed into place, and the directory is forced
 * after the rename, so the rename itself survives too. A file found damaged at start is moved aside
 * ({@link #moveAside}), never read again and never deleted, for a person to look at.
 *
 * <p>Forcing a directory opens it for reading and forces the channel, which Linux (the agent's
 * platform) supports.
 */
public final class DurableFiles {

    /** Owner read and write only: every file the agent keeps may hold a key or its configuration. */
    public static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");
    /** Owner only, for the directories holding keys. */
    public static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY = PosixFilePermissions.fromString("rwx------");
    /** What a damaged file's name gets when it is moved aside. */
    public static final String DAMAGED_SUFFIX = ".damaged";

    private DurableFiles() {
    }

    /**
     * Writes {@code content} to a new file beside {@code target} (created with {@code permissions}
     * before anything is written) and forces it to disk; nothing is in place until
     * {@link Staged#commit()}, and closing an uncommitted one removes it.
     */
    public static Staged stage(Path target, byte[] content, Set<PosixFilePermission> permissions) throws IOException {
        Path temporary = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp",
                PosixFilePermissions.asFileAttribute(permissions));
        try {
            writeAndForce(temporary, content);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temporary);
            throw e;
        }
        return new Staged(temporary, target);
    }

    /** Replaces {@code target} with {@code content}, durably: the old content or the new survives a crash. */
    public static void replace(Path target, byte[] content, Set<PosixFilePermission> permissions) throws IOException {
        try (Staged staged = stage(target, content, permissions)) {
            staged.commit();
        }
    }

    /**
     * Creates the new file {@code file} with {@code content}, forced to disk; the directory holding it
     * is forced by whoever makes it visible (e.g. by renaming that directory into place).
     */
    public static void create(Path file, byte[] content, Set<PosixFilePermission> permissions) throws IOException {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(permissions));
        writeAndForce(file, content);
    }

    /** Renames {@code source} over {@code target} in one step, then forces the target's directory. */
    public static void move(Path source, Path target) throws IOException {
        Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        forceDirectory(target.toAbsolutePath().getParent());
    }

    /** Forces a directory's entries (files created, renamed or removed in it) to disk. */
    public static void forceDirectory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /**
     * Creates {@code directory} and its missing parents with {@code permissions}, forcing each parent
     * after a directory was created in it, so the new directories survive a crash too.
     */
    public static void createDirectories(Path directory, Set<PosixFilePermission> permissions) throws IOException {
        Deque<Path> missing = new ArrayDeque<>();
        for (Path path = directory.toAbsolutePath(); path != null && !Files.isDirectory(path); path = path.getParent()) {
            missing.push(path);
        }
        while (!missing.isEmpty()) {
            Path created = missing.pop();
            try {
                Files.createDirectory(created, PosixFilePermissions.asFileAttribute(permissions));
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(created)) {
                    throw e;
                }
            }
            forceDirectory(created.getParent());
        }
    }

    /**
     * Moves a damaged file aside to the same name with {@value #DAMAGED_SUFFIX} (replacing one moved
     * there before, so damage never fills the disk) and returns where it went.
     */
    public static Path moveAside(Path file) throws IOException {
        Path aside = file.resolveSibling(file.getFileName() + DAMAGED_SUFFIX);
        move(file, aside);
        return aside;
    }

    private static void writeAndForce(Path file, byte[] content) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buffer = ByteBuffer.wrap(content);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
    }

    /** A file written and forced to disk under a temporary name beside its target, not yet in place. */
    public static final class Staged implements AutoCloseable {

        private final Path temporary;
        private final Path target;
        private boolean committed;

        private Staged(Path temporary, Path target) {
            this.temporary = temporary;
            this.target = target;
        }

        /**
         * Renames it over the target and forces the directory: from then on the target holds it, across
         * crashes. When only forcing the directory fails, the target holds it already, not yet durably.
         */
        public void commit() throws IOException {
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            committed = true;
            forceDirectory(target.toAbsolutePath().getParent());
        }

        /** Removes the temporary file unless it was committed. */
        @Override
        public void close() throws IOException {
            if (!committed) {
                Files.deleteIfExists(temporary);
            }
        }
    }
}

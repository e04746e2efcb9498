package dev.fedmesh.agent.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's state files as a reader finds them: the old content or the new, owner-only, with no
 * temporary file left behind. (That each is forced to disk before and after its rename is what a
 * power cut would show, which no test here can cause.)
 */
class DurableFilesTest {

    @TempDir
    Path dir;

    @Test
    void aReplacedFileHoldsTheNewContentOwnerOnlyAndNothingElseIsLeftBeside() throws Exception {
        Path file = dir.resolve("state.pb");
        DurableFiles.replace(file, bytes("old"), DurableFiles.OWNER_ONLY_FILE);

        DurableFiles.replace(file, bytes("new"), DurableFiles.OWNER_ONLY_FILE);

        assertThat(Files.readString(file)).isEqualTo("new");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(entries(dir)).containsExactly(file);
    }

    @Test
    void aStagedFileIsNotInPlaceUntilCommittedAndAnAbandonedOneLeavesNothing() throws Exception {
        Path file = dir.resolve("state.pb");
        DurableFiles.replace(file, bytes("applied"), DurableFiles.OWNER_ONLY_FILE);

        try (DurableFiles.Staged staged = DurableFiles.stage(file, bytes("not applied"), DurableFiles.OWNER_ONLY_FILE)) {
            assertThat(Files.readString(file)).isEqualTo("applied");
        }
        assertThat(entries(dir)).containsExactly(file);

        try (DurableFiles.Staged staged = DurableFiles.stage(file, bytes("applied next"), DurableFiles.OWNER_ONLY_FILE)) {
            staged.commit();
        }
        assertThat(Files.readString(file)).isEqualTo("applied next");
        assertThat(entries(dir)).containsExactly(file);
    }

    @Test
    void directoriesAreCreatedOwnerOnlyWithTheirParents() throws Exception {
        Path nested = dir.resolve("acme").resolve("east");

        DurableFiles.createDirectories(nested, DurableFiles.OWNER_ONLY_DIRECTORY);
        DurableFiles.createDirectories(nested, DurableFiles.OWNER_ONLY_DIRECTORY);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(nested))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(nested.getParent())))
                .isEqualTo("rwx------");
    }

    @Test
    void aDamagedFileMovedAsideReplacesTheOneMovedAsideBefore() throws Exception {
        Path file = dir.resolve("intermediate-key.pem");
        Files.writeString(file, "first damage");
        DurableFiles.moveAside(file);
        Files.writeString(file, "second damage");

        Path aside = DurableFiles.moveAside(file);

        assertThat(aside).isEqualTo(dir.resolve("intermediate-key.pem.damaged"));
        assertThat(Files.readString(aside)).isEqualTo("second damage");
        assertThat(entries(dir)).containsExactly(aside);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static Path[] entries(Path directory) throws Exception {
        try (Stream<Path> files = Files.list(directory)) {
            return files.toArray(Path[]::new);
        }
    }
}

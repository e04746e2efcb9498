package dev.fedmesh.agent.trust;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The intermediate keys on the agent's disk: owner-only, read back whole after a restart, rotated by a
 * rename, and a damaged file set aside.
 */
class IntermediateKeyFilesTest {

    @TempDir
    Path dir;

    @Test
    void aNewKeyIsReadableByTheAgentOnlyAndReadBackWithItsPublicKey() throws Exception {
        IntermediateKeyFiles files = new IntermediateKeyFiles(dir.resolve("acme").resolve("east"));

        KeyPair keys = files.newCurrent();

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(files.currentFile()))).isEqualTo("rw-------");
        KeyPair read = new IntermediateKeyFiles(dir.resolve("acme").resolve("east")).current().orElseThrow();
        assertThat(read.getPrivate().getEncoded()).isEqualTo(keys.getPrivate().getEncoded());
        assertThat(read.getPublic().getEncoded()).isEqualTo(keys.getPublic().getEncoded());
    }

    @Test
    void theNextKeyReplacesTheCurrentOneWhenPromoted() {
        IntermediateKeyFiles files = new IntermediateKeyFiles(dir);
        files.newCurrent();
        KeyPair next = files.newNext();

        files.promoteNext();

        assertThat(files.current().orElseThrow().getPublic().getEncoded()).isEqualTo(next.getPublic().getEncoded());
        assertThat(files.next()).isEmpty();
    }

    @Test
    void aKeyFileCutShortIsMovedAsideAndReadAsNoKey() throws Exception {
        IntermediateKeyFiles files = new IntermediateKeyFiles(dir);
        files.newCurrent();
        files.newNext();
        String written = Files.readString(files.currentFile());
        Files.writeString(files.currentFile(), written.substring(0, written.length() / 2));
        Files.write(files.nextFile(), new byte[0]);

        IntermediateKeyFiles restarted = new IntermediateKeyFiles(dir);

        assertThat(restarted.current()).isEmpty();
        assertThat(restarted.next()).isEmpty();
        assertThat(Files.readString(dir.resolve("intermediate-key.pem.damaged")))
                .isEqualTo(written.substring(0, written.length() / 2));
        assertThat(dir.resolve("intermediate-key-next.pem.damaged")).isEmptyFile();
        assertThat(restarted.currentFile()).doesNotExist();
        KeyPair fresh = restarted.newCurrent();
        assertThat(restarted.current().orElseThrow().getPublic()).isEqualTo(fresh.getPublic());
    }
}

package dev.fedmesh.agent.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkloadCertificateFilesTest {

    @TempDir
    Path dir;

    @Test
    void theThreeFilesHoldWhatWasWrittenAndTheKeyIsReadableByItsOwnerOnly() throws Exception {
        WorkloadCertificateFiles files = new WorkloadCertificateFiles(dir.resolve("greeter"));

        files.write(new WorkloadCertificates("chain-1", "key-1", "bundle-1"));

        assertThat(Files.readString(files.certificateFile())).isEqualTo("chain-1");
        assertThat(Files.readString(files.privateKeyFile())).isEqualTo("key-1");
        assertThat(Files.readString(files.trustBundleFile())).isEqualTo("bundle-1");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(files.privateKeyFile())))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(files.directory())))
                .isEqualTo("rwx------");
    }

    @Test
    void aRewriteReplacesAllThreeTogetherThroughOneSymlinkAndLeavesNoOldVersionBehind() throws Exception {
        WorkloadCertificateFiles files = new WorkloadCertificateFiles(dir.resolve("greeter"));
        files.write(new WorkloadCertificates("chain-1", "key-1", "bundle-1"));

        files.write(new WorkloadCertificates("chain-2", "key-2", "bundle-2"));

        assertThat(Files.readString(files.certificateFile())).isEqualTo("chain-2");
        assertThat(Files.readString(files.privateKeyFile())).isEqualTo("key-2");
        assertThat(Files.readString(files.trustBundleFile())).isEqualTo("bundle-2");
        assertThat(Files.readSymbolicLink(files.certificateFile())).isEqualTo(Path.of("..data", "svid.pem"));
        assertThat(Files.readSymbolicLink(files.trustBundleFile())).isEqualTo(Path.of("..data", "bundle.pem"));
        try (Stream<Path> entries = Files.list(files.directory())) {
            assertThat(entries.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("..v-"))).hasSize(1);
        }
    }

    @Test
    void theirDescriptionNeverShowsThePrivateKey() {
        WorkloadCertificates certificates = new WorkloadCertificates(
                "-----BEGIN CERTIFICATE-----\nA\n-----END CERTIFICATE-----\n", "-----BEGIN PRIVATE KEY-----\nSECRET", "");

        assertThat(certificates.toString()).doesNotContain("SECRET").contains("1 certificate(s)", "0 root(s)");
    }
}

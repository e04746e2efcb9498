package dev.fedmesh.trust.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The openssl commands docs/operations.md gives produce files fedmesh reads; skipped where openssl is absent. */
class OpensslKeysTest {

    @TempDir
    Path dir;

    @Test
    void keysMadeWithTheDocumentedOpensslCommandsSignAndVerify() throws Exception {
        assumeTrue(run("openssl", "version"), "openssl is not installed");
        Path signing = dir.resolve("config-signing-key.pem");
        Path verifying = dir.resolve("config-verifying-key.pem");
        assertThat(run("openssl", "genpkey", "-algorithm", "ed25519", "-out", signing.toString())).isTrue();
        assertThat(run("openssl", "pkey", "-in", signing.toString(), "-pubout", "-out", verifying.toString())).isTrue();
        Files.writeString(signing, Files.readString(verifying), StandardOpenOption.APPEND);

        ConfigSigningKey key = ConfigSigningKey.read(signing);
        ConfigVerifier agent = ConfigVerifier.readPublicKeys(List.of(verifying));
        byte[] config = "revision 1".getBytes(StandardCharsets.UTF_8);

        assertThat(agent.check(key.keyId(), config, key.sign(config))).isEqualTo(ConfigVerifier.Check.VALID);
    }

    private static boolean run(String... command) throws InterruptedException {
        try {
            return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start().waitFor() == 0;
        } catch (IOException e) {
            return false;
        }
    }
}

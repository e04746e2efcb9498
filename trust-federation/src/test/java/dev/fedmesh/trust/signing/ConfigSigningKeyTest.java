package dev.fedmesh.trust.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigSigningKeyTest {

    private static final byte[] CONFIG = "tenant acme, cluster east, revision 7".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    @Test
    void aKeyWrittenToDiskReadsBackAndItsPublicFileVerifiesWhatItSigns() throws Exception {
        ConfigSigningKey key = ConfigSigningKey.generate();
        key.write(dir.resolve("signing.pem"));
        key.writePublicKey(dir.resolve("verifying.pem"));

        ConfigSigningKey read = ConfigSigningKey.read(dir.resolve("signing.pem"));
        ConfigVerifier agent = ConfigVerifier.readPublicKeys(List.of(dir.resolve("verifying.pem")));

        assertThat(read.keyId()).isEqualTo(key.keyId()).hasSize(16).matches("[0-9a-f]{16}");
        assertThat(agent.keyIds()).containsExactly(key.keyId());
        assertThat(agent.check(read.keyId(), CONFIG, read.sign(CONFIG))).isEqualTo(ConfigVerifier.Check.VALID);
        assertThat(Files.readString(dir.resolve("verifying.pem"))).startsWith("-----BEGIN PUBLIC KEY-----\n")
                .doesNotContain("PRIVATE");
    }

    @Test
    void theSigningKeyFileIsReadableByItsOwnerOnlyAndNeverOverwritten() throws Exception {
        Path file = dir.resolve("signing.pem");
        ConfigSigningKey.generate().write(file);
        String before = Files.readString(file);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThatThrownBy(() -> ConfigSigningKey.generate().write(file)).isInstanceOf(FileAlreadyExistsException.class);
        assertThat(Files.readString(file)).isEqualTo(before);
    }

    @Test
    void theKeyNeverAppearsInItsTextForm() throws Exception {
        ConfigSigningKey key = ConfigSigningKey.generate();
        key.write(dir.resolve("signing.pem"));
        String privateBlock = Files.readString(dir.resolve("signing.pem")).lines()
                .dropWhile(line -> !line.startsWith("-----BEGIN PRIVATE KEY")).skip(1).findFirst().orElseThrow();

        assertThat(key.toString()).isEqualTo("ConfigSigningKey[keyId=" + key.keyId() + "]").doesNotContain(privateBlock);
    }

    @Test
    void aFileWithoutItsPublicKeyNamesTheMissingBlockAndTheFix() throws Exception {
        Path file = dir.resolve("signing.pem");
        ConfigSigningKey.generate().write(file);
        String privateOnly = Files.readString(file).substring(0, Files.readString(file).indexOf("-----BEGIN PUBLIC KEY"));
        Files.writeString(file, privateOnly);

        assertThatThrownBy(() -> ConfigSigningKey.read(file))
                .isInstanceOf(InvalidKeyFileException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("PUBLIC KEY")
                .hasMessageContaining("docs/operations.md");
    }

    @Test
    void aPublicKeyOfAnotherPairIsRefused() throws Exception {
        Path mine = dir.resolve("mine.pem");
        ConfigSigningKey.generate().write(mine);
        ConfigSigningKey.generate().writePublicKey(dir.resolve("other.pub.pem"));
        String text = Files.readString(mine);
        Files.writeString(mine, text.substring(0, text.indexOf("-----BEGIN PUBLIC KEY"))
                + Files.readString(dir.resolve("other.pub.pem")));

        assertThatThrownBy(() -> ConfigSigningKey.read(mine))
                .isInstanceOf(InvalidKeyFileException.class)
                .hasMessageContaining("does not belong to its PRIVATE KEY");
    }

    @Test
    void aMissingFileIsNamed() {
        Path file = dir.resolve("nowhere.pem");

        assertThatThrownBy(() -> ConfigSigningKey.read(file))
                .isInstanceOf(InvalidKeyFileException.class)
                .hasMessageContaining("cannot read signing key file " + file);
    }

    @Test
    void signaturesAreStandardEd25519BothWays() throws Exception {
        ConfigSigningKey key = ConfigSigningKey.generate();
        byte[] data = "revision 42 of cluster east".getBytes(StandardCharsets.UTF_8);

        Signature jdk = Signature.getInstance("Ed25519");
        jdk.initVerify(key.publicKey());
        jdk.update(data);
        assertThat(jdk.verify(key.sign(data))).isTrue();

        KeyPair other = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Signature signer = Signature.getInstance("Ed25519");
        signer.initSign(other.getPrivate());
        signer.update(data);
        byte[] signedByTheJdk = signer.sign();
        ConfigVerifier verifier = ConfigVerifier.trusting(other.getPublic());
        String keyId = ConfigVerifier.keyId(other.getPublic());
        assertThat(verifier.check(keyId, data, signedByTheJdk)).isEqualTo(ConfigVerifier.Check.VALID);
        data[0] ^= 1;
        assertThat(verifier.check(keyId, data, signedByTheJdk)).isEqualTo(ConfigVerifier.Check.BAD_SIGNATURE);
        assertThat(verifier.check(keyId, data, new byte[12])).isEqualTo(ConfigVerifier.Check.BAD_SIGNATURE);
    }
}

package dev.fedmesh.trust.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.fedmesh.api.v1.DesiredConfigEnvelope;
import dev.fedmesh.trust.x509.Pem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigVerifierTest {

    private static final byte[] CONFIG = "tenant acme, cluster east, revision 7".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    @Test
    void duringARotationAnAgentTrustingBothKeysAcceptsEither() {
        ConfigSigningKey old = ConfigSigningKey.generate();
        ConfigSigningKey next = ConfigSigningKey.generate();
        ConfigVerifier agent = ConfigVerifier.trusting(old.publicKey(), next.publicKey());

        assertThat(agent.check(old.keyId(), CONFIG, old.sign(CONFIG))).isEqualTo(ConfigVerifier.Check.VALID);
        assertThat(agent.check(next.keyId(), CONFIG, next.sign(CONFIG))).isEqualTo(ConfigVerifier.Check.VALID);
        assertThat(agent.keyIds()).containsExactlyInAnyOrder(old.keyId(), next.keyId());
    }

    @Test
    void afterTheOldKeyIsRemovedItsSignaturesAreFromAnUnknownKey() {
        ConfigSigningKey old = ConfigSigningKey.generate();
        ConfigSigningKey next = ConfigSigningKey.generate();
        ConfigVerifier agent = ConfigVerifier.trusting(next.publicKey());

        assertThat(agent.check(old.keyId(), CONFIG, old.sign(CONFIG))).isEqualTo(ConfigVerifier.Check.UNKNOWN_KEY);
    }

    @Test
    void oneFlippedByteFailsTheSignature() {
        ConfigSigningKey key = ConfigSigningKey.generate();
        byte[] signature = key.sign(CONFIG);
        byte[] flipped = Arrays.copyOf(CONFIG, CONFIG.length);
        flipped[3] ^= 1;

        assertThat(ConfigVerifier.trusting(key.publicKey()).check(key.keyId(), flipped, signature))
                .isEqualTo(ConfigVerifier.Check.BAD_SIGNATURE);
    }

    @Test
    void aSignatureMadeByAnotherKeyUnderATrustedKeyIdFails() {
        ConfigSigningKey trusted = ConfigSigningKey.generate();
        ConfigSigningKey forger = ConfigSigningKey.generate();

        assertThat(ConfigVerifier.trusting(trusted.publicKey()).check(trusted.keyId(), CONFIG, forger.sign(CONFIG)))
                .isEqualTo(ConfigVerifier.Check.BAD_SIGNATURE);
    }

    @Test
    void noSignatureOrNoKeyIdIsUnsigned() {
        ConfigSigningKey key = ConfigSigningKey.generate();
        ConfigVerifier agent = ConfigVerifier.trusting(key.publicKey());

        assertThat(agent.check("", CONFIG, key.sign(CONFIG))).isEqualTo(ConfigVerifier.Check.UNSIGNED);
        assertThat(agent.check(key.keyId(), CONFIG, new byte[0])).isEqualTo(ConfigVerifier.Check.UNSIGNED);
    }

    @Test
    void aTruncatedSignatureIsBadNotAnError() {
        ConfigSigningKey key = ConfigSigningKey.generate();

        assertThat(ConfigVerifier.trusting(key.publicKey())
                .check(key.keyId(), CONFIG, Arrays.copyOf(key.sign(CONFIG), 10)))
                .isEqualTo(ConfigVerifier.Check.BAD_SIGNATURE);
    }

    @Test
    void aSignedEnvelopeVerifiesUntilItsConfigChanges() {
        ConfigSigningKey key = ConfigSigningKey.generate();
        DesiredConfigEnvelope signed = key.signed(sealed(CONFIG));
        ConfigVerifier agent = ConfigVerifier.trusting(key.publicKey());

        assertThat(signed.getKeyId()).isEqualTo(key.keyId());
        assertThat(agent.check(signed)).isEqualTo(ConfigVerifier.Check.VALID);
        assertThat(agent.check(signed.toBuilder().setConfig(ByteString.copyFromUtf8("revision 8")).build()))
                .isEqualTo(ConfigVerifier.Check.BAD_SIGNATURE);
    }

    @Test
    void theSigningKeyFileItselfServesAsAPublicKeyFile() throws Exception {
        ConfigSigningKey key = ConfigSigningKey.generate();
        key.write(dir.resolve("signing.pem"));

        assertThat(ConfigVerifier.readPublicKeys(List.of(dir.resolve("signing.pem"))).keyIds())
                .containsExactly(key.keyId());
    }

    @Test
    void aFileWithoutAPublicKeyNamesTheFileAndHowToWriteOne() throws Exception {
        Path file = Files.writeString(dir.resolve("empty.pem"), "not a key\n");

        assertThatThrownBy(() -> ConfigVerifier.readPublicKeys(List.of(file)))
                .isInstanceOf(InvalidKeyFileException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("openssl pkey");
    }

    @Test
    void aKeyOfAnotherAlgorithmIsRefused() throws Exception {
        byte[] ecKey = KeyPairGenerator.getInstance("EC").generateKeyPair().getPublic().getEncoded();
        Path file = Files.writeString(dir.resolve("ec.pem"), Pem.write("PUBLIC KEY", ecKey));

        assertThatThrownBy(() -> ConfigVerifier.readPublicKeys(List.of(file)))
                .isInstanceOf(InvalidKeyFileException.class)
                .hasMessageContaining("not an Ed25519 key");
    }

    /** An envelope as the distributor seals one: the config bytes and their SHA-256. */
    static DesiredConfigEnvelope sealed(byte[] config) {
        return DesiredConfigEnvelope.newBuilder()
                .setConfig(ByteString.copyFrom(config))
                .setSha256(ByteString.copyFrom(ConfigBatchTree.sha256(config)))
                .build();
    }

    @Test
    void theTextFormNamesOnlyKeyIds() {
        ConfigSigningKey key = ConfigSigningKey.generate();

        assertThat(ConfigVerifier.trusting(key.publicKey())).hasToString("ConfigVerifier[" + key.keyId() + "]");
    }
}

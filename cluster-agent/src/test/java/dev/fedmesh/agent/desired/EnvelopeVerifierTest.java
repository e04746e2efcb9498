package dev.fedmesh.agent.desired;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.fedmesh.agent.desired.ConfigRefusal.Reason;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.DesiredConfigEnvelope;
import dev.fedmesh.policy.compiler.DesiredConfigEnvelopes;
import dev.fedmesh.trust.signing.ConfigSigningKey;
import dev.fedmesh.trust.signing.ConfigVerifier;
import org.junit.jupiter.api.Test;

class EnvelopeVerifierTest {

    private static final DesiredConfig CONFIG =
            DesiredConfig.newBuilder().setTenant("acme").setCluster("eu-west-1").setRevision(9).build();
    private static final ConfigSigningKey CONTROL_PLANE = ConfigSigningKey.generate();
    private final EnvelopeVerifier verifier = new EnvelopeVerifier(ConfigVerifier.trusting(CONTROL_PLANE.publicKey()));

    @Test
    void anEnvelopeSignedByTheControlPlaneOpensToTheSameConfig() throws Exception {
        assertThat(verifier.open(signed(CONFIG).toByteArray())).isEqualTo(CONFIG);
    }

    @Test
    void aFlippedByteInTheConfigFailsTheSignatureEvenWithAMatchingDigest() {
        byte[] config = signed(CONFIG).getConfig().toByteArray();
        config[config.length - 1] ^= 1;
        DesiredConfigEnvelope tampered = signed(CONFIG).toBuilder()
                .setConfig(ByteString.copyFrom(config))
                .setSha256(ByteString.copyFrom(DesiredConfigEnvelopes.sha256(config)))
                .build();

        assertRefused(tampered, Reason.BAD_SIGNATURE, "does not match the config");
    }

    @Test
    void anEnvelopeSignedByAnotherKeyIsRefusedNamingThatKeyAndTheSetting() {
        ConfigSigningKey stranger = ConfigSigningKey.generate();

        assertRefused(stranger.signed(DesiredConfigEnvelopes.seal(CONFIG)), Reason.UNKNOWN_KEY,
                stranger.keyId(), CONTROL_PLANE.keyId(), "fedmesh.agent.config-verifying-keys");
    }

    @Test
    void aSignatureByAnotherKeyUnderTheTrustedKeyIdIsRefused() {
        DesiredConfigEnvelope forged = ConfigSigningKey.generate().signed(DesiredConfigEnvelopes.seal(CONFIG)).toBuilder()
                .setKeyId(CONTROL_PLANE.keyId())
                .build();

        assertRefused(forged, Reason.BAD_SIGNATURE, CONTROL_PLANE.keyId());
    }

    @Test
    void aRecordSignedOverAFormTheAgentDoesNotKnowIsRefusedAskingForAnUpgrade() {
        DesiredConfigEnvelope future = signed(CONFIG).toBuilder().setSignedOverValue(9).build();

        assertRefused(future, Reason.BAD_SIGNATURE, "signed_over 9", "upgrade the agent");
    }

    @Test
    void aRecordSignedAloneOverItsConfigBytesOpens() throws Exception {
        DesiredConfigEnvelope sealed = DesiredConfigEnvelopes.seal(CONFIG);
        DesiredConfigEnvelope oneByOne = sealed.toBuilder()
                .setKeyId(CONTROL_PLANE.keyId())
                .setSignature(ByteString.copyFrom(CONTROL_PLANE.sign(sealed.getConfig().toByteArray())))
                .build();

        assertThat(verifier.open(oneByOne.toByteArray())).isEqualTo(CONFIG);
    }

    @Test
    void anUnsignedEnvelopeIsRefused() {
        assertRefused(DesiredConfigEnvelopes.seal(CONFIG), Reason.UNSIGNED, "not signed");
    }

    @Test
    void aSignedEnvelopeWithAWrongDigestIsRefused() {
        DesiredConfigEnvelope wrongDigest = signed(CONFIG).toBuilder()
                .setSha256(ByteString.copyFrom(new byte[32]))
                .build();

        assertRefused(wrongDigest, Reason.DIGEST_MISMATCH, "SHA-256");
    }

    @Test
    void bytesThatAreNoEnvelopeAreRefused() {
        assertThatThrownBy(() -> verifier.open(new byte[] {(byte) 0xff, 0x01}))
                .isInstanceOfSatisfying(InvalidEnvelopeException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.NOT_AN_ENVELOPE));
    }

    @Test
    void theAgentsOwnLastKnownGoodFileIsCheckedByItsDigest() throws Exception {
        DesiredConfigEnvelope sealed = DesiredConfigEnvelopes.seal(CONFIG);
        DesiredConfigEnvelope damaged = sealed.toBuilder()
                .setConfig(ByteString.copyFrom(CONFIG.toBuilder().setRevision(99).build().toByteArray()))
                .build();

        assertThat(EnvelopeVerifier.openWrittenByThisAgent(sealed.toByteArray())).isEqualTo(CONFIG);
        assertThatThrownBy(() -> EnvelopeVerifier.openWrittenByThisAgent(damaged.toByteArray()))
                .isInstanceOfSatisfying(InvalidEnvelopeException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.DIGEST_MISMATCH));
    }

    private static DesiredConfigEnvelope signed(DesiredConfig config) {
        return CONTROL_PLANE.signed(DesiredConfigEnvelopes.seal(config));
    }

    private void assertRefused(DesiredConfigEnvelope envelope, Reason reason, String... messageParts) {
        assertThatThrownBy(() -> verifier.open(envelope.toByteArray()))
                .isInstanceOfSatisfying(InvalidEnvelopeException.class, e -> {
                    assertThat(e.reason()).isEqualTo(reason);
                    assertThat(e.keyId()).isEqualTo(envelope.getKeyId());
                    assertThat(e.getMessage()).contains(messageParts);
                });
    }
}

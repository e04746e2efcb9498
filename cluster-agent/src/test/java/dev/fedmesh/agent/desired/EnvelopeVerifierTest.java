package dev.fedmesh.agent.desired;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.DesiredConfigEnvelope;
import dev.fedmesh.policy.compiler.DesiredConfigEnvelopes;
import org.junit.jupiter.api.Test;

class EnvelopeVerifierTest {

    private static final DesiredConfig CONFIG =
            DesiredConfig.newBuilder().setTenant("acme").setCluster("eu-west-1").setRevision(9).build();

    @Test
    void sealedEnvelopeOpensToTheSameConfig() throws Exception {
        assertThat(EnvelopeVerifier.open(DesiredConfigEnvelopes.seal(CONFIG).toByteArray())).isEqualTo(CONFIG);
    }

    @Test
    void configChangedAfterSealingIsRefused() {
        DesiredConfigEnvelope sealed = DesiredConfigEnvelopes.seal(CONFIG);
        DesiredConfigEnvelope tampered = sealed.toBuilder()
                .setConfig(ByteString.copyFrom(CONFIG.toBuilder().setRevision(99).build().toByteArray()))
                .build();

        assertThatThrownBy(() -> EnvelopeVerifier.open(tampered))
                .isInstanceOf(InvalidEnvelopeException.class)
                .hasMessageContaining("SHA-256");
    }

    @Test
    void bytesThatAreNoEnvelopeAreRefused() {
        assertThatThrownBy(() -> EnvelopeVerifier.open(new byte[] {(byte) 0xff, 0x01}))
                .isInstanceOf(InvalidEnvelopeException.class);
    }
}

package dev.fedmesh.trust.signing;

import static dev.fedmesh.trust.signing.ConfigVerifierTest.sealed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.fedmesh.api.v1.BatchPathStep;
import dev.fedmesh.api.v1.DesiredConfigEnvelope;
import dev.fedmesh.api.v1.SignedOver;
import dev.fedmesh.trust.signing.ConfigVerifier.Check;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** One signature over a change's configs: each record verifies alone, and none can pass for another. */
class ConfigBatchSigningTest {

    private static final ConfigSigningKey KEY = ConfigSigningKey.generate();
    private static final ConfigVerifier AGENT = ConfigVerifier.trusting(KEY.publicKey());

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 5, 8, 13, 100})
    void everyConfigOfABatchVerifiesAloneUnderItsOneSignature(int clusters) {
        List<DesiredConfigEnvelope> signed = KEY.signedTogether(configs(clusters));

        assertThat(signed).hasSize(clusters);
        assertThat(signed).extracting(DesiredConfigEnvelope::getSignature).containsOnly(signed.get(0).getSignature());
        int depth = 32 - Integer.numberOfLeadingZeros(clusters - 1);
        for (DesiredConfigEnvelope envelope : signed) {
            assertThat(envelope.getSignedOver()).isEqualTo(SignedOver.SIGNED_OVER_BATCH_ROOT);
            assertThat(envelope.getKeyId()).isEqualTo(KEY.keyId());
            assertThat(envelope.getBatchPathCount()).isLessThanOrEqualTo(depth);
            assertThat(AGENT.check(envelope)).isEqualTo(Check.VALID);
        }
    }

    @Test
    void aChangedConfigFailsEvenWithItsDigestRecomputed() {
        DesiredConfigEnvelope signed = KEY.signedTogether(configs(5)).get(3);
        byte[] changed = "tenant acme, cluster c3, revision 8000".getBytes(StandardCharsets.UTF_8);

        assertThat(AGENT.check(signed.toBuilder()
                .setConfig(ByteString.copyFrom(changed))
                .setSha256(ByteString.copyFrom(ConfigBatchTree.sha256(changed)))
                .build())).isEqualTo(Check.BAD_SIGNATURE);
    }

    @Test
    void anotherClustersConfigDoesNotVerifyOnThisRecordsPath() {
        List<DesiredConfigEnvelope> signed = KEY.signedTogether(configs(4));

        DesiredConfigEnvelope swapped = signed.get(0).toBuilder()
                .setConfig(signed.get(1).getConfig())
                .setSha256(signed.get(1).getSha256())
                .build();

        assertThat(AGENT.check(swapped)).isEqualTo(Check.BAD_SIGNATURE);
    }

    @Test
    void aPathWithASideFlippedOrStepsReorderedOrCutFails() {
        DesiredConfigEnvelope signed = KEY.signedTogether(configs(8)).get(5);
        List<BatchPathStep> path = signed.getBatchPathList();
        assertThat(path).hasSize(3);

        List<BatchPathStep> flipped = new ArrayList<>(path);
        flipped.set(1, path.get(1).toBuilder().setSiblingOnLeft(!path.get(1).getSiblingOnLeft()).build());
        List<BatchPathStep> reordered = new ArrayList<>(path);
        Collections.swap(reordered, 0, 2);

        for (List<BatchPathStep> wrong : List.of(flipped, reordered, path.subList(0, 2))) {
            assertThat(AGENT.check(signed.toBuilder().clearBatchPath().addAllBatchPath(wrong).build()))
                    .as("path %s", wrong).isEqualTo(Check.BAD_SIGNATURE);
        }
    }

    @Test
    void aMalformedPathIsABadSignatureNotAnError() {
        DesiredConfigEnvelope signed = KEY.signedTogether(configs(2)).get(0);
        BatchPathStep shortSibling = BatchPathStep.newBuilder().setSibling(ByteString.copyFrom(new byte[31])).build();
        List<BatchPathStep> tooLong = IntStream.rangeClosed(0, ConfigBatchTree.MAX_DEPTH)
                .mapToObj(i -> signed.getBatchPath(0)).toList();

        assertThat(AGENT.check(signed.toBuilder().setBatchPath(0, shortSibling).build())).isEqualTo(Check.BAD_SIGNATURE);
        assertThat(AGENT.check(signed.toBuilder().clearBatchPath().addAllBatchPath(tooLong).build()))
                .isEqualTo(Check.BAD_SIGNATURE);
    }

    @Test
    void aSignedOverValueTheAgentDoesNotKnowIsRefused() {
        DesiredConfigEnvelope signed = KEY.signed(sealed(config(0)));

        assertThat(AGENT.check(signed.toBuilder().setSignedOverValue(7).build())).isEqualTo(Check.BAD_SIGNATURE);
    }

    @Test
    void aBatchRecordWithoutKeyIdIsUnsignedAndOneByAStrangerNamesAnUnknownKey() {
        DesiredConfigEnvelope signed = KEY.signed(sealed(config(0)));
        DesiredConfigEnvelope byStranger = ConfigSigningKey.generate().signed(sealed(config(0)));

        assertThat(AGENT.check(signed.toBuilder().clearKeyId().build())).isEqualTo(Check.UNSIGNED);
        assertThat(AGENT.check(signed.toBuilder().clearSignature().build())).isEqualTo(Check.UNSIGNED);
        assertThat(AGENT.check(byStranger)).isEqualTo(Check.UNKNOWN_KEY);
    }

    @Test
    void aRecordSignedAloneOverItsConfigBytesStillVerifies() {
        // As distributors wrote them before batches: records still on a compacted topic stay valid.
        byte[] config = config(0);
        DesiredConfigEnvelope oneByOne = sealed(config).toBuilder()
                .setKeyId(KEY.keyId())
                .setSignature(ByteString.copyFrom(KEY.sign(config)))
                .build();

        assertThat(oneByOne.getSignedOver()).isEqualTo(SignedOver.SIGNED_OVER_CONFIG_BYTES);
        assertThat(AGENT.check(oneByOne)).isEqualTo(Check.VALID);
        assertThat(AGENT.check(oneByOne.toBuilder().setSignedOver(SignedOver.SIGNED_OVER_BATCH_ROOT).build()))
                .isEqualTo(Check.BAD_SIGNATURE);
    }

    @Test
    void theBatchSignatureCannotPassForASignatureOverConfigBytes() {
        DesiredConfigEnvelope signed = KEY.signed(sealed(config(0)));

        assertThat(AGENT.check(signed.toBuilder().setSignedOver(SignedOver.SIGNED_OVER_CONFIG_BYTES).build()))
                .isEqualTo(Check.BAD_SIGNATURE);
    }

    @Test
    void onlySealedEnvelopesAreSigned() {
        DesiredConfigEnvelope unsealed = DesiredConfigEnvelope.newBuilder().setConfig(ByteString.copyFrom(config(0))).build();

        assertThatThrownBy(() -> KEY.signed(unsealed))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sealed");
        assertThat(KEY.signedTogether(List.of())).as("no configs, no signature").isEmpty();
        assertThatThrownBy(() -> ConfigBatchTree.over(List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one");
    }

    @Test
    void theTreeIsDeterministicSoTwoDistributorsSignTheSameRoot() {
        List<byte[]> digests = configs(6).stream().map(envelope -> envelope.getSha256().toByteArray()).toList();

        assertThat(ConfigBatchTree.over(digests).root()).isEqualTo(ConfigBatchTree.over(digests).root());
        assertThat(ConfigBatchTree.over(digests).root())
                .isNotEqualTo(ConfigBatchTree.over(digests.subList(0, 5)).root());
    }

    private static List<DesiredConfigEnvelope> configs(int clusters) {
        return IntStream.range(0, clusters).mapToObj(i -> sealed(config(i))).toList();
    }

    private static byte[] config(int cluster) {
        return ("tenant acme, cluster c" + cluster + ", revision 7").getBytes(StandardCharsets.UTF_8);
    }
}

package dev.fedmesh.agent.desired;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.DesiredConfigEnvelope;
import dev.fedmesh.policy.compiler.DesiredConfigEnvelopes;
import java.security.MessageDigest;

/**
 * Opens a desired-config envelope (sealed by {@link DesiredConfigEnvelopes#seal}) only when its
 * SHA-256 matches its bytes, so a corrupted or truncated record is never applied.
 */
public final class EnvelopeVerifier {

    private EnvelopeVerifier() {
    }

    /** Parses an envelope's bytes (a Kafka record value or a file) and opens it. */
    public static DesiredConfig open(byte[] envelopeBytes) throws InvalidEnvelopeException {
        try {
            return open(DesiredConfigEnvelope.parseFrom(envelopeBytes));
        } catch (InvalidProtocolBufferException e) {
            throw new InvalidEnvelopeException("not a DesiredConfigEnvelope: " + e.getMessage());
        }
    }

    /** The config inside the envelope, once its digest matches its bytes. */
    public static DesiredConfig open(DesiredConfigEnvelope envelope) throws InvalidEnvelopeException {
        byte[] config = envelope.getConfig().toByteArray();
        if (!MessageDigest.isEqual(DesiredConfigEnvelopes.sha256(config), envelope.getSha256().toByteArray())) {
            throw new InvalidEnvelopeException("SHA-256 of the config does not match the envelope's digest");
        }
        try {
            return DesiredConfig.parseFrom(config);
        } catch (InvalidProtocolBufferException e) {
            throw new InvalidEnvelopeException("digest matches but the config does not parse: " + e.getMessage());
        }
    }
}

package dev.fedmesh.agent.desired;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.fedmesh.agent.desired.ConfigRefusal.Reason;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.DesiredConfigEnvelope;
import dev.fedmesh.api.v1.SignedOver;
import dev.fedmesh.policy.compiler.DesiredConfigEnvelopes;
import dev.fedmesh.trust.signing.ConfigVerifier;
import java.security.MessageDigest;

/**
 * Opens a desired-config envelope from the control plane only when it is signed by a trusted key
 * and the signature and SHA-256 match its bytes, so a forged, corrupted or truncated record is
 * never applied.
 */
public final class EnvelopeVerifier {

    private final ConfigVerifier trustedKeys;

    public EnvelopeVerifier(ConfigVerifier trustedKeys) {
        this.trustedKeys = trustedKeys;
    }

    /** Parses an envelope's bytes (a Kafka record value) and opens it. */
    public DesiredConfig open(byte[] envelopeBytes) throws InvalidEnvelopeException {
        return open(parse(envelopeBytes));
    }

    /** The config inside the envelope, once its signature and digest match its bytes. */
    public DesiredConfig open(DesiredConfigEnvelope envelope) throws InvalidEnvelopeException {
        byte[] config = envelope.getConfig().toByteArray();
        byte[] sha256 = DesiredConfigEnvelopes.sha256(config);
        String keyId = envelope.getKeyId();
        switch (trustedKeys.check(envelope, sha256)) {
            case VALID -> {
            }
            case UNSIGNED -> throw new InvalidEnvelopeException(Reason.UNSIGNED, keyId,
                    "the record is not signed (no signature or no key id); only configs signed by the control plane"
                            + " are applied");
            case UNKNOWN_KEY -> throw new InvalidEnvelopeException(Reason.UNKNOWN_KEY, keyId,
                    "signed by key " + keyId + ", which this agent does not trust (it trusts " + trustedKeys.keyIds()
                            + "); if the control plane's key was rotated, add its public key to"
                            + " fedmesh.agent.config-verifying-keys");
            case BAD_SIGNATURE -> throw new InvalidEnvelopeException(Reason.BAD_SIGNATURE, keyId,
                    envelope.getSignedOver() == SignedOver.UNRECOGNIZED
                            ? "the record is signed over a form this agent does not know (signed_over "
                            + envelope.getSignedOverValue() + "): upgrade the agent to the control plane's release"
                            : "the signature by key " + keyId + " does not match the config: it was changed after signing");
        }
        return openDigested(envelope, sha256);
    }

    /**
     * Opens an envelope checking only its SHA-256: for the last-known-good file, which this agent
     * wrote itself from a config it had verified.
     */
    public static DesiredConfig openWrittenByThisAgent(byte[] envelopeBytes) throws InvalidEnvelopeException {
        DesiredConfigEnvelope envelope = parse(envelopeBytes);
        return openDigested(envelope, DesiredConfigEnvelopes.sha256(envelope.getConfig().toByteArray()));
    }

    private static DesiredConfigEnvelope parse(byte[] envelopeBytes) throws InvalidEnvelopeException {
        try {
            return DesiredConfigEnvelope.parseFrom(envelopeBytes);
        } catch (InvalidProtocolBufferException e) {
            throw new InvalidEnvelopeException(Reason.NOT_AN_ENVELOPE, "", "not a DesiredConfigEnvelope: " + e.getMessage());
        }
    }

    private static DesiredConfig openDigested(DesiredConfigEnvelope envelope, byte[] configSha256)
            throws InvalidEnvelopeException {
        if (!MessageDigest.isEqual(configSha256, envelope.getSha256().toByteArray())) {
            throw new InvalidEnvelopeException(Reason.DIGEST_MISMATCH, envelope.getKeyId(),
                    "SHA-256 of the config does not match the envelope's digest");
        }
        try {
            return DesiredConfig.parseFrom(envelope.getConfig());
        } catch (InvalidProtocolBufferException e) {
            throw new InvalidEnvelopeException(Reason.UNPARSEABLE_CONFIG, envelope.getKeyId(),
                    "digest matches but the config does not parse: " + e.getMessage());
        }
    }
}

package dev.fedmesh.agent.desired;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.DesiredConfigEnvelope;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Seals a desired config into its envelope (bytes + SHA-256) and opens one after checking the digest. */
public final class DesiredConfigEnvelopes {

    private DesiredConfigEnvelopes() {
    }

    /** The envelope of a config: its deterministic serialization and that serialization's SHA-256. */
    public static DesiredConfigEnvelope seal(DesiredConfig config) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(config.getSerializedSize());
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        out.useDeterministicSerialization();
        try {
            config.writeTo(out);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] serialized = bytes.toByteArray();
        return DesiredConfigEnvelope.newBuilder()
                .setConfig(ByteString.copyFrom(serialized))
                .setSha256(ByteString.copyFrom(sha256(serialized)))
                .build();
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
        if (!MessageDigest.isEqual(sha256(config), envelope.getSha256().toByteArray())) {
            throw new InvalidEnvelopeException("SHA-256 of the config does not match the envelope's digest");
        }
        try {
            return DesiredConfig.parseFrom(config);
        } catch (InvalidProtocolBufferException e) {
            throw new InvalidEnvelopeException("digest matches but the config does not parse: " + e.getMessage());
        }
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}

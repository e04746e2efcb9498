package dev.fedmesh.policy.compiler;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.DesiredConfigEnvelope;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Wraps a desired config for the wire: deterministic bytes plus their SHA-256. */
public final class DesiredConfigEnvelopes {
    private DesiredConfigEnvelopes() {
    }

    public static DesiredConfigEnvelope seal(DesiredConfig config) {
        byte[] bytes = deterministicBytes(config);
        return DesiredConfigEnvelope.newBuilder()
                .setConfig(ByteString.copyFrom(bytes))
                .setSha256(ByteString.copyFrom(sha256(bytes)))
                .build();
    }

    /** Protobuf bytes with map entries in a fixed order, so equal configs hash equally. */
    public static byte[] deterministicBytes(DesiredConfig config) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(config.getSerializedSize());
        try {
            CodedOutputStream out = CodedOutputStream.newInstance(buffer);
            out.useDeterministicSerialization();
            config.writeTo(out);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("serializing to memory cannot fail", e);
        }
        return buffer.toByteArray();
    }

    public static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime provides SHA-256", e);
        }
    }

    public static String sha256Hex(DesiredConfigEnvelope envelope) {
        return HexFormat.of().formatHex(envelope.getSha256().toByteArray());
    }
}

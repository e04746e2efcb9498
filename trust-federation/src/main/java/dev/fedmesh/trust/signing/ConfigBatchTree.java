package dev.fedmesh.trust.signing;

import com.google.protobuf.ByteString;
import dev.fedmesh.api.v1.BatchPathStep;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The Merkle tree one signature covers when the control plane signs every config of a change at
 * once ({@code SIGNED_OVER_BATCH_ROOT} in {@code desired_config.proto}): a leaf is
 * SHA-256(0x00 || the config's SHA-256), a node SHA-256(0x01 || left || right), and a level's last
 * node without a partner moves up unchanged. The distinct first bytes keep a leaf from ever
 * passing for a node. Each config's record carries its path to the root, so an agent checks its
 * own config against the one signature with a hash per level, without the other clusters' configs.
 */
public final class ConfigBatchTree {

    /** A path longer than this would need a batch of more than 2^64 configs: no real record carries one. */
    public static final int MAX_DEPTH = 64;
    private static final int HASH_LENGTH = 32;
    private static final byte LEAF = 0x00;
    private static final byte NODE = 0x01;
    private static final byte[] SIGNED_PREFIX = "fedmesh desired-config batch v1\0".getBytes(StandardCharsets.US_ASCII);

    // levels.get(0) holds the leaves; the last level holds the root alone.
    private final List<List<byte[]>> levels;

    private ConfigBatchTree(List<List<byte[]>> levels) {
        this.levels = levels;
    }

    /** The tree over these configs' SHA-256 digests, in this order; at least one. */
    public static ConfigBatchTree over(List<byte[]> configSha256s) {
        if (configSha256s.isEmpty()) {
            throw new IllegalArgumentException("a batch holds at least one config");
        }
        List<List<byte[]>> levels = new ArrayList<>();
        List<byte[]> level = new ArrayList<>(configSha256s.size());
        for (byte[] sha256 : configSha256s) {
            level.add(leaf(sha256));
        }
        levels.add(level);
        while (level.size() > 1) {
            List<byte[]> up = new ArrayList<>((level.size() + 1) / 2);
            for (int i = 0; i < level.size(); i += 2) {
                up.add(i + 1 < level.size() ? node(level.get(i), level.get(i + 1)) : level.get(i));
            }
            levels.add(up);
            level = up;
        }
        return new ConfigBatchTree(List.copyOf(levels));
    }

    public byte[] root() {
        return levels.get(levels.size() - 1).get(0).clone();
    }

    /** The path from leaf {@code index} to the root, leaf side first; empty for a batch of one. */
    public List<BatchPathStep> path(int index) {
        if (index < 0 || index >= levels.get(0).size()) {
            throw new IndexOutOfBoundsException("leaf " + index + " of a batch of " + levels.get(0).size());
        }
        List<BatchPathStep> path = new ArrayList<>();
        int position = index;
        for (List<byte[]> level : levels.subList(0, levels.size() - 1)) {
            int partner = position ^ 1;
            if (partner < level.size()) {
                path.add(BatchPathStep.newBuilder()
                        .setSibling(ByteString.copyFrom(level.get(partner)))
                        .setSiblingOnLeft(partner < position)
                        .build());
            }
            position /= 2;
        }
        return List.copyOf(path);
    }

    /**
     * The root that the config with {@code configSha256} reaches by {@code path}, or empty when the
     * path is malformed (too long, or a sibling that is not a 32-byte hash).
     */
    public static Optional<byte[]> rootFrom(byte[] configSha256, List<BatchPathStep> path) {
        if (path.size() > MAX_DEPTH) {
            return Optional.empty();
        }
        byte[] climbed = leaf(configSha256);
        for (BatchPathStep step : path) {
            byte[] sibling = step.getSibling().toByteArray();
            if (sibling.length != HASH_LENGTH) {
                return Optional.empty();
            }
            climbed = step.getSiblingOnLeft() ? node(sibling, climbed) : node(climbed, sibling);
        }
        return Optional.of(climbed);
    }

    /** The bytes the control plane's key signs for a batch with this root. */
    public static byte[] signedMessage(byte[] root) {
        byte[] message = new byte[SIGNED_PREFIX.length + root.length];
        System.arraycopy(SIGNED_PREFIX, 0, message, 0, SIGNED_PREFIX.length);
        System.arraycopy(root, 0, message, SIGNED_PREFIX.length, root.length);
        return message;
    }

    /** SHA-256 of {@code bytes}. */
    public static byte[] sha256(byte[] bytes) {
        return sha256().digest(bytes);
    }

    private static byte[] leaf(byte[] configSha256) {
        MessageDigest sha = sha256();
        sha.update(LEAF);
        sha.update(configSha256);
        return sha.digest();
    }

    private static byte[] node(byte[] left, byte[] right) {
        MessageDigest sha = sha256();
        sha.update(NODE);
        sha.update(left);
        sha.update(right);
        return sha.digest();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime provides SHA-256", e);
        }
    }
}

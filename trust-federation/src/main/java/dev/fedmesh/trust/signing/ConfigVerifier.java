package dev.fedmesh.trust.signing;

import dev.fedmesh.api.v1.DesiredConfigEnvelope;
import dev.fedmesh.trust.x509.InvalidPemException;
import dev.fedmesh.trust.x509.Pem;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The public keys an agent trusts desired configs from, by key id. Holding more than one lets the
 * control plane's signing key be rotated: agents trust the old and the new key until every record
 * signed with the old one has been replaced.
 */
public final class ConfigVerifier {

    static final String ALGORITHM = "Ed25519";
    private static final int SIGNATURE_LENGTH = Ed25519.SIGNATURE_SIZE;
    private final Map<String, PublicKey> keysById;
    // The same keys, decoded once into BouncyCastle's Ed25519: it verifies many times faster than the JDK's.
    private final Map<String, Ed25519PublicKeyParameters> verifyingKeys;

    /** What checking one signature found. */
    public enum Check {
        /** Signed by a trusted key, and the signature matches the bytes. */
        VALID,
        /** No signature or no key id at all. */
        UNSIGNED,
        /** Signed by a key this verifier does not trust (retired, or someone else's). */
        UNKNOWN_KEY,
        /** Signed with a trusted key id, but the signature does not match the bytes. */
        BAD_SIGNATURE
    }

    public ConfigVerifier(Map<String, PublicKey> keysById) {
        if (keysById.isEmpty()) {
            throw new IllegalArgumentException("a config verifier needs at least one trusted public key");
        }
        this.keysById = Map.copyOf(keysById);
        Map<String, Ed25519PublicKeyParameters> decoded = new TreeMap<>();
        this.keysById.forEach((id, key) -> decoded.put(id, Ed25519Keys.verifying(key)));
        this.verifyingKeys = Map.copyOf(decoded);
    }

    /** The trusted public keys by key id. */
    public Map<String, PublicKey> keysById() {
        return keysById;
    }

    /** Trusts exactly these Ed25519 public keys. */
    public static ConfigVerifier trusting(Collection<PublicKey> keys) {
        Map<String, PublicKey> byId = new TreeMap<>();
        for (PublicKey key : keys) {
            if (!ALGORITHM.equals(key.getAlgorithm()) && !"EdDSA".equals(key.getAlgorithm())) {
                throw new IllegalArgumentException("config keys are Ed25519, not " + key.getAlgorithm());
            }
            byId.put(keyId(key), key);
        }
        return new ConfigVerifier(byId);
    }

    public static ConfigVerifier trusting(PublicKey... keys) {
        return trusting(List.of(keys));
    }

    /** Reads X.509 (SubjectPublicKeyInfo) PEM files, one public key each, e.g. from {@code openssl pkey -pubout}. */
    public static ConfigVerifier readPublicKeys(Collection<Path> files) throws InvalidKeyFileException {
        if (files.isEmpty()) {
            throw new InvalidKeyFileException("no public key file given");
        }
        List<PublicKey> keys = new ArrayList<>();
        for (Path file : files) {
            keys.add(readPublicKey(file));
        }
        return trusting(keys);
    }

    /** Reads one PEM file holding a PUBLIC KEY block (a signing key file holds one too). */
    public static PublicKey readPublicKey(Path file) throws InvalidKeyFileException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new InvalidKeyFileException("cannot read public key file " + file + ": " + e, e);
        }
        List<Pem.Block> blocks;
        try {
            blocks = Pem.blocks(text);
        } catch (InvalidPemException e) {
            throw new InvalidKeyFileException("public key file " + file + " is not PEM: " + e.getMessage(), e);
        }
        Pem.Block block = blocks.stream()
                .filter(b -> b.label().equals("PUBLIC KEY"))
                .findFirst()
                .orElseThrow(() -> new InvalidKeyFileException("public key file " + file
                        + " holds no '-----BEGIN PUBLIC KEY-----' block; write one with"
                        + " 'openssl pkey -in <signing-key.pem> -pubout'"));
        return publicKey(block.der(), file);
    }

    static PublicKey publicKey(byte[] der, Path file) throws InvalidKeyFileException {
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new InvalidKeyFileException("the public key in " + file + " is not an Ed25519 key (" + e.getMessage()
                    + "); config signing keys are Ed25519, e.g. from 'openssl genpkey -algorithm ed25519'", e);
        }
    }

    /** The first 16 hex digits of the SHA-256 of the key's X.509 encoding: short, and stable across tools. */
    public static String keyId(PublicKey key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime provides SHA-256", e);
        }
    }

    public Set<String> keyIds() {
        return new TreeSet<>(keysById.keySet());
    }

    /** Checks the envelope's signature of its {@code config}, as its {@code signed_over} says it was made. */
    public Check check(DesiredConfigEnvelope envelope) {
        return check(envelope, ConfigBatchTree.sha256(envelope.getConfig().toByteArray()));
    }

    /**
     * As {@link #check(DesiredConfigEnvelope)}, given the SHA-256 of the envelope's {@code config}
     * (computed from the bytes, never taken from the envelope's own digest field), for a caller
     * that needs that digest anyway. A signed-over value this verifier does not know, or a
     * malformed batch path, is a signature that does not match.
     */
    public Check check(DesiredConfigEnvelope envelope, byte[] configSha256) {
        byte[] signature = envelope.getSignature().toByteArray();
        return switch (envelope.getSignedOver()) {
            case SIGNED_OVER_CONFIG_BYTES -> check(envelope.getKeyId(), envelope.getConfig().toByteArray(), signature);
            case SIGNED_OVER_BATCH_ROOT -> ConfigBatchTree.rootFrom(configSha256, envelope.getBatchPathList())
                    .map(root -> check(envelope.getKeyId(), ConfigBatchTree.signedMessage(root), signature))
                    .orElseGet(() -> noMatch(envelope.getKeyId(), signature));
            case UNRECOGNIZED -> noMatch(envelope.getKeyId(), signature);
        };
    }

    /** What a record that cannot match says: UNSIGNED or UNKNOWN_KEY when it is that too, else BAD_SIGNATURE. */
    private Check noMatch(String keyId, byte[] signature) {
        return refusal(keyId, signature).orElse(Check.BAD_SIGNATURE);
    }

    /** Checks that {@code signature} over {@code data} was made with the trusted key named {@code keyId}. */
    public Check check(String keyId, byte[] data, byte[] signature) {
        Optional<Check> refusal = refusal(keyId, signature);
        if (refusal.isPresent()) {
            return refusal.get();
        }
        boolean valid = verifyingKeys.get(keyId).verify(Ed25519.Algorithm.Ed25519, null, data, 0, data.length, signature, 0);
        return valid ? Check.VALID : Check.BAD_SIGNATURE;
    }

    /** Why a signature under {@code keyId} cannot be valid whatever it signs, or empty when it may be. */
    private Optional<Check> refusal(String keyId, byte[] signature) {
        if (keyId.isEmpty() || signature.length == 0) {
            return Optional.of(Check.UNSIGNED);
        }
        if (!verifyingKeys.containsKey(keyId)) {
            return Optional.of(Check.UNKNOWN_KEY);
        }
        // A signature of the wrong length is simply not a match.
        return signature.length == SIGNATURE_LENGTH ? Optional.empty() : Optional.of(Check.BAD_SIGNATURE);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ConfigVerifier verifier && verifier.keysById.equals(keysById);
    }

    @Override
    public int hashCode() {
        return keysById.hashCode();
    }

    /** Names the trusted key ids only. */
    @Override
    public String toString() {
        return "ConfigVerifier" + keyIds();
    }
}

package dev.fedmesh.trust.signing;

import com.google.protobuf.ByteString;
import dev.fedmesh.api.v1.DesiredConfigEnvelope;
import dev.fedmesh.api.v1.SignedOver;
import dev.fedmesh.trust.x509.InvalidPemException;
import dev.fedmesh.trust.x509.Pem;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The control plane's Ed25519 key pair for signing desired configs. On disk it is one PEM file
 * holding the private key (PKCS#8, {@code PRIVATE KEY}) and its public key (X.509,
 * {@code PUBLIC KEY}); agents get only the public key, as a PEM file of its own.
 */
public final class ConfigSigningKey {

    private final PrivateKey privateKey;
    private final PublicKey publicKey;
    private final String keyId;
    // The private key decoded once into BouncyCastle's Ed25519, which signs many times faster than the
    // JDK's: the distributor signs one record per cluster on every change.
    private final Ed25519PrivateKeyParameters signingKey;

    private ConfigSigningKey(PrivateKey privateKey, PublicKey publicKey) {
        this.privateKey = privateKey;
        this.publicKey = publicKey;
        this.keyId = ConfigVerifier.keyId(publicKey);
        this.signingKey = Ed25519Keys.signing(privateKey);
    }

    /** A fresh key pair from the platform's secure random source. */
    public static ConfigSigningKey generate() {
        try {
            KeyPair pair = KeyPairGenerator.getInstance(ConfigVerifier.ALGORITHM).generateKeyPair();
            return new ConfigSigningKey(pair.getPrivate(), pair.getPublic());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Java 17 generates Ed25519 keys", e);
        }
    }

    /**
     * Reads a signing key file: a PRIVATE KEY block and the PUBLIC KEY block of the same pair, as
     * {@link #write} or {@code openssl genpkey -algorithm ed25519} followed by
     * {@code openssl pkey -pubout} (both appended to one file) produce.
     */
    public static ConfigSigningKey read(Path file) throws InvalidKeyFileException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new InvalidKeyFileException("cannot read signing key file " + file + ": " + e, e);
        }
        List<Pem.Block> blocks;
        try {
            blocks = Pem.blocks(text);
        } catch (InvalidPemException e) {
            throw new InvalidKeyFileException("signing key file " + file + " is not PEM: " + e.getMessage(), e);
        }
        byte[] privateDer = only(blocks, "PRIVATE KEY", file);
        byte[] publicDer = only(blocks, "PUBLIC KEY", file);
        PrivateKey privateKey;
        try {
            privateKey = KeyFactory.getInstance(ConfigVerifier.ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(privateDer));
        } catch (GeneralSecurityException e) {
            throw new InvalidKeyFileException("the private key in " + file + " is not an Ed25519 key (" + e.getMessage()
                    + "); create one with 'openssl genpkey -algorithm ed25519'", e);
        }
        ConfigSigningKey key = new ConfigSigningKey(privateKey, ConfigVerifier.publicKey(publicDer, file));
        byte[] probe = "fedmesh config signing key check".getBytes(StandardCharsets.US_ASCII);
        if (ConfigVerifier.trusting(key.publicKey).check(key.keyId, probe, key.sign(probe)) != ConfigVerifier.Check.VALID) {
            throw new InvalidKeyFileException("the PUBLIC KEY in " + file + " does not belong to its PRIVATE KEY;"
                    + " rewrite it with 'openssl pkey -in " + file + " -pubout'");
        }
        return key;
    }

    private static byte[] only(List<Pem.Block> blocks, String label, Path file) throws InvalidKeyFileException {
        List<Pem.Block> matching = blocks.stream().filter(b -> b.label().equals(label)).toList();
        if (matching.size() != 1) {
            throw new InvalidKeyFileException("signing key file " + file + " holds " + matching.size() + " '-----BEGIN "
                    + label + "-----' blocks, expected exactly 1: it must hold the private key and its public key"
                    + " (see 'Config signing keys' in docs/operations.md)");
        }
        return matching.get(0).der();
    }

    /**
     * Writes the key pair to a new file readable by its owner only; refuses to overwrite an existing
     * file, so a key in use is never lost by mistake.
     */
    public void write(Path file) throws IOException {
        String text = Pem.write("PRIVATE KEY", privateKey.getEncoded()) + Pem.write("PUBLIC KEY", publicKey.getEncoded());
        createNew(file, text, true);
    }

    /** Writes the public key alone, for agents, to a new file. */
    public void writePublicKey(Path file) throws IOException {
        createNew(file, Pem.write("PUBLIC KEY", publicKey.getEncoded()), false);
    }

    private static void createNew(Path file, String text, boolean ownerOnly) throws IOException {
        if (Files.exists(file)) {
            throw new FileAlreadyExistsException(file.toString(), null, "refusing to overwrite an existing key file");
        }
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        if (ownerOnly && parent.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, text, StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
        } else {
            Files.writeString(file, text, StandardCharsets.US_ASCII, StandardOpenOption.CREATE_NEW);
        }
    }

    /** The Ed25519 signature of {@code data}. */
    public byte[] sign(byte[] data) {
        byte[] signature = new byte[Ed25519.SIGNATURE_SIZE];
        signingKey.sign(Ed25519.Algorithm.Ed25519, null, data, 0, data.length, signature, 0);
        return signature;
    }

    /** The envelope signed alone: a batch of one (see {@link #signedTogether}). */
    public DesiredConfigEnvelope signed(DesiredConfigEnvelope envelope) {
        return signedTogether(List.of(envelope)).get(0);
    }

    /**
     * The sealed envelopes, in order, under one signature: this key signs the root of a
     * {@link ConfigBatchTree} over their SHA-256 digests, and each envelope carries that signature,
     * this key's id and its own path to the root. One signature per change however many clusters
     * it reaches, and its cost does not grow with a config's size. Each envelope must be sealed: its
     * {@code sha256} is the digest of its {@code config} (what {@code DesiredConfigEnvelopes.seal} makes).
     */
    public List<DesiredConfigEnvelope> signedTogether(List<DesiredConfigEnvelope> sealed) {
        if (sealed.isEmpty()) {
            // A tenant without clusters publishes nothing, and nothing needs a signature.
            return List.of();
        }
        for (DesiredConfigEnvelope envelope : sealed) {
            if (envelope.getSha256().size() != 32) {
                throw new IllegalArgumentException("only a sealed envelope can be signed: its sha256 has "
                        + envelope.getSha256().size() + " bytes, not the config's 32-byte SHA-256");
            }
        }
        ConfigBatchTree tree = ConfigBatchTree.over(sealed.stream().map(envelope -> envelope.getSha256().toByteArray()).toList());
        ByteString signature = ByteString.copyFrom(sign(ConfigBatchTree.signedMessage(tree.root())));
        List<DesiredConfigEnvelope> signed = new ArrayList<>(sealed.size());
        for (int i = 0; i < sealed.size(); i++) {
            signed.add(sealed.get(i).toBuilder()
                    .setKeyId(keyId)
                    .setSignature(signature)
                    .setSignedOver(SignedOver.SIGNED_OVER_BATCH_ROOT)
                    .clearBatchPath()
                    .addAllBatchPath(tree.path(i))
                    .build());
        }
        return signed;
    }

    public PublicKey publicKey() {
        return publicKey;
    }

    /** What agents know this key by: see {@link ConfigVerifier#keyId}. */
    public String keyId() {
        return keyId;
    }

    /** Names the key id only: the private key never reaches a log. */
    @Override
    public String toString() {
        return "ConfigSigningKey[keyId=" + keyId + "]";
    }
}

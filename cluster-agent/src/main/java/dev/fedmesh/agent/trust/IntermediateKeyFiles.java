package dev.fedmesh.agent.trust;

import dev.fedmesh.agent.state.DurableFiles;
import dev.fedmesh.trust.x509.KeyType;
import dev.fedmesh.trust.x509.Pem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's intermediate CA keys in its state directory, never anywhere else: the current one
 * ({@code intermediate-key.pem}) and, while it rotates, the next one ({@code intermediate-key-next.pem}),
 * each PKCS#8 PEM in a file created readable by the agent only (0600) before the key is written,
 * and written durably ({@link DurableFiles}). A key file found empty, truncated or not a key is
 * moved aside and treated as no key: the agent asks for an intermediate for a new one.
 */
public final class IntermediateKeyFiles {

    static final String CURRENT = "intermediate-key.pem";
    static final String NEXT = "intermediate-key-next.pem";

    private static final Logger LOG = LoggerFactory.getLogger(IntermediateKeyFiles.class);

    private final Path directory;

    public IntermediateKeyFiles(Path directory) {
        this.directory = directory.toAbsolutePath();
    }

    public Path currentFile() {
        return directory.resolve(CURRENT);
    }

    public Path nextFile() {
        return directory.resolve(NEXT);
    }

    /** The current key; empty when there is none or its file is damaged (then moved aside and logged). */
    public Optional<KeyPair> current() {
        return read(currentFile(), "current intermediate key", "asks for a new intermediate for a new key, with"
                + " the bootstrap credential (fedmesh.agent.bootstrap-credential-file)");
    }

    /** The next key of a rotation; empty when there is none or its file is damaged (then moved aside and logged). */
    public Optional<KeyPair> next() {
        return read(nextFile(), "next intermediate key", "asks for its renewal again for a new key when it is due");
    }

    /** A fresh EC P-256 key, kept as the current one. */
    public KeyPair newCurrent() {
        return generate(currentFile());
    }

    /** A fresh EC P-256 key, kept as the next one until {@link #promoteNext()}. */
    public KeyPair newNext() {
        return generate(nextFile());
    }

    /** The next key becomes the current one; the old current key is gone. */
    public void promoteNext() {
        try {
            DurableFiles.move(nextFile(), currentFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the next intermediate key the current one ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", e);
        }
    }

    private KeyPair generate(Path file) {
        KeyPair keys = KeyType.EC_P256.generate();
        try {
            DurableFiles.createDirectories(directory, DurableFiles.OWNER_ONLY_DIRECTORY);
            DurableFiles.replace(file, Pem.write(keys.getPrivate()).getBytes(StandardCharsets.US_ASCII),
                    DurableFiles.OWNER_ONLY_FILE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the intermediate key in " + file
                    + " (the agent's state directory must be writable by the agent and have space): " + e, e);
        }
        return keys;
    }

    private static Optional<KeyPair> read(Path file, String what, String next) {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        String damage;
        try {
            // Decoded leniently: bytes that are not ASCII make a PEM that does not parse, which says what is wrong.
            String pem = new String(Files.readAllBytes(file), StandardCharsets.US_ASCII);
            if (pem.isBlank()) {
                damage = "it is empty";
            } else {
                PrivateKey key = Pem.privateKey(pem);
                return Optional.of(new KeyPair(publicKeyOf(key), key));
            }
        } catch (IOException e) {
            damage = "it cannot be read (" + e + ")";
        } catch (RuntimeException e) {
            // Named by the exception's type only: a parser's message could quote the file, and so part of a key.
            damage = "it is not a whole private key (" + e.getClass().getSimpleName() + ")";
        }
        String aside;
        try {
            aside = "moved aside to " + DurableFiles.moveAside(file);
        } catch (IOException e) {
            aside = "it could not be moved aside (" + e + ") and is replaced by the next key the agent makes";
        }
        LOG.warn("The {} file {} is damaged: {}; {}. The agent goes on without it and {}: if it happens again,"
                + " check the disk under the state directory", what, file, damage, aside, next);
        return Optional.empty();
    }

    // PKCS#8 EC keys written by the JDK carry no public key: derive it as Q = d·G on the key's curve.
    private static PublicKey publicKeyOf(PrivateKey key) {
        if (!(key instanceof ECPrivateKey ec)) {
            throw new IllegalStateException("the intermediate key is " + key.getAlgorithm() + ", the agent makes EC P-256 keys");
        }
        try {
            org.bouncycastle.jce.spec.ECParameterSpec curve =
                    org.bouncycastle.jcajce.provider.asymmetric.util.EC5Util.convertSpec(ec.getParams());
            org.bouncycastle.math.ec.ECPoint q = curve.getG().multiply(ec.getS()).normalize();
            ECPoint point = new ECPoint(q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger());
            return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(point, ec.getParams()));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot derive the intermediate's public key: " + e.getMessage(), e);
        }
    }
}

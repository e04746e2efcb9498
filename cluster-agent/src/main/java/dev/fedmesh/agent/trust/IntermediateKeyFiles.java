package dev.fedmesh.agent.trust;

import dev.fedmesh.trust.x509.KeyType;
import dev.fedmesh.trust.x509.Pem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.util.Optional;

/**
 * The agent's intermediate CA keys in its state directory, never anywhere else: the current one
 * ({@code intermediate-key.pem}) and, while it rotates, the next one ({@code intermediate-key-next.pem}),
 * each PKCS#8 PEM in a file created readable by the agent only (0600) before the key is written.
 */
public final class IntermediateKeyFiles {

    static final String CURRENT = "intermediate-key.pem";
    static final String NEXT = "intermediate-key-next.pem";

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

    public Optional<KeyPair> current() {
        return read(currentFile());
    }

    public Optional<KeyPair> next() {
        return read(nextFile());
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
            Files.move(nextFile(), currentFile(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot replace " + currentFile() + " with " + nextFile() + ": " + e.getMessage(), e);
        }
    }

    private KeyPair generate(Path file) {
        KeyPair keys = KeyType.EC_P256.generate();
        try {
            if (!Files.isDirectory(directory)) {
                Files.createDirectories(directory,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            Path temporary = Files.createTempFile(directory, ".intermediate-key", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(temporary, Pem.write(keys.getPrivate()), StandardCharsets.US_ASCII);
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the intermediate key in " + file
                    + " (the agent's state directory must be writable by the agent): " + e.getMessage(), e);
        }
        return keys;
    }

    private static Optional<KeyPair> read(Path file) {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            PrivateKey key = Pem.privateKey(Files.readString(file, StandardCharsets.US_ASCII));
            return Optional.of(new KeyPair(publicKeyOf(key), key));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the intermediate key " + file + ": " + e.getMessage(), e);
        }
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

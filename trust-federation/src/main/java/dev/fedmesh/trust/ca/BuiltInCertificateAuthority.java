package dev.fedmesh.trust.ca;

import dev.fedmesh.trust.spiffe.TrustDomain;
import dev.fedmesh.trust.x509.IntermediateCertificate;
import dev.fedmesh.trust.x509.KeyType;
import dev.fedmesh.trust.x509.Pem;
import dev.fedmesh.trust.x509.RootCertificate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CA of the embedded default, when no Vault is configured: one self-signed EC P-256 root per
 * trust domain, its key in a file readable by its owner only, under a directory of its own. Good
 * for a laptop; not for production, where the root key belongs in Vault.
 */
public final class BuiltInCertificateAuthority implements CertificateAuthority {

    private static final Logger LOG = LoggerFactory.getLogger(BuiltInCertificateAuthority.class);
    private static final Duration ROOT_TTL = Duration.ofDays(3650);
    private static final String KEY_FILE = "root-key.pem";
    private static final String CERTIFICATE_FILE = "root.pem";

    private final Path directory;
    private final Clock clock;
    private final Map<TrustDomain, Root> roots = new HashMap<>();

    private record Root(X509Certificate certificate, PrivateKey key) {
    }

    private BuiltInCertificateAuthority(Path directory, Clock clock) {
        this.directory = directory;
        this.clock = clock;
    }

    /** A CA keeping its roots under {@code directory} (created owner-only if absent); roots are made on first use. */
    public static BuiltInCertificateAuthority open(Path directory, Clock clock) {
        try {
            createOwnerOnlyDirectory(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the built-in CA's directory " + directory + ": " + e.getMessage(), e);
        }
        LOG.warn("Using the built-in CA with root keys in files under {}: NOT FOR PRODUCTION. It is meant for a laptop"
                + " and the embedded default; configure Vault PKI for real clusters (see docs/trust.md).", directory);
        return new BuiltInCertificateAuthority(directory, clock);
    }

    @Override
    public SignedIntermediate signIntermediate(IntermediateSigningRequest request) {
        Root root = root(request.trustDomain());
        X509Certificate intermediate = IntermediateCertificate.fromRequest(request.csr(), request.trustDomain(),
                clock.instant(), request.ttl(), request.maxPathLength(), root.certificate(), root.key());
        return new SignedIntermediate(List.of(intermediate, root.certificate()));
    }

    @Override
    public List<X509Certificate> roots(TrustDomain trustDomain) {
        return List.of(root(trustDomain).certificate());
    }

    @Override
    public boolean constrainsNames() {
        return true;
    }

    /** Where the root key of {@code trustDomain} is kept. */
    public Path keyFile(TrustDomain trustDomain) {
        return directory.resolve(trustDomain.name()).resolve(KEY_FILE);
    }

    private synchronized Root root(TrustDomain trustDomain) {
        Root root = roots.get(trustDomain);
        if (root == null) {
            try {
                root = loadOrCreate(trustDomain);
            } catch (IOException e) {
                throw new CertificateAuthorityException("the built-in CA cannot read or create the root of " + trustDomain
                        + " under " + directory.resolve(trustDomain.name()) + ": " + e.getMessage(), e);
            }
            roots.put(trustDomain, root);
        }
        return root;
    }

    private Root loadOrCreate(TrustDomain trustDomain) throws IOException {
        Path keyFile = keyFile(trustDomain);
        Path certificateFile = keyFile.resolveSibling(CERTIFICATE_FILE);
        createOwnerOnlyDirectory(keyFile.getParent());
        if (Files.exists(keyFile)) {
            if (!Files.exists(certificateFile)) {
                throw new IOException("the root key " + keyFile + " is there but its certificate " + certificateFile
                        + " is not: restore the certificate, or remove the key to make a new root (every cluster of the"
                        + " trust domain then needs new intermediates)");
            }
            return new Root(Pem.certificate(Files.readString(certificateFile, StandardCharsets.US_ASCII)),
                    Pem.privateKey(Files.readString(keyFile, StandardCharsets.US_ASCII)));
        }
        KeyPair keys = KeyType.EC_P256.generate();
        // Created owner-only before the key is written, so it is never readable by others, not even briefly.
        Files.createFile(keyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(keyFile, Pem.write(keys.getPrivate()), StandardCharsets.US_ASCII, StandardOpenOption.WRITE);
        Instant now = clock.instant();
        X509Certificate certificate = RootCertificate.selfSigned(keys, trustDomain, now, ROOT_TTL);
        Files.writeString(certificateFile, Pem.write(certificate), StandardCharsets.US_ASCII);
        LOG.info("Built-in CA created the root of trust domain {} (valid until {}), key in {}", trustDomain,
                certificate.getNotAfter().toInstant(), keyFile);
        return new Root(certificate, keys.getPrivate());
    }

    private static void createOwnerOnlyDirectory(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
    }

    @Override
    public String toString() {
        return "BuiltInCertificateAuthority[" + directory + "]";
    }
}

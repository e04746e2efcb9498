package dev.fedmesh.trust.ca;

import dev.fedmesh.trust.spiffe.TrustDomain;
import dev.fedmesh.trust.x509.CertificateFingerprint;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CA of the embedded default, when no Vault is configured: self-signed EC P-256 roots per trust
 * domain (the first one the default, more made by {@link #createRoot} for a rotation), their keys in
 * files readable by their owner only, under a directory of its own. Good for a laptop; not for
 * production, where the root key belongs in Vault.
 */
public final class BuiltInCertificateAuthority implements CertificateAuthority {

    private static final Logger LOG = LoggerFactory.getLogger(BuiltInCertificateAuthority.class);
    private static final Duration ROOT_TTL = Duration.ofDays(3650);
    private static final String KEY_FILE = "root-key.pem";
    private static final String CERTIFICATE_FILE = "root.pem";
    private static final Pattern CREATED_ROOT_FILE = Pattern.compile("root-([1-9][0-9]{0,8})(-key)?\\.pem");

    private final Path directory;
    private final Clock clock;
    private final Map<TrustDomain, List<Root>> roots = new HashMap<>();

    /** One root: number 1 is {@code root.pem}, the default; number n > 1 is {@code root-<n>.pem}. */
    private record Root(int number, X509Certificate certificate, PrivateKey key, String sha256Hex) {

        Root(int number, X509Certificate certificate, PrivateKey key) {
            this(number, certificate, key, CertificateFingerprint.sha256Hex(certificate));
        }
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
        Root root = signingRoot(request);
        X509Certificate intermediate = IntermediateCertificate.fromRequest(request.csr(), request.trustDomain(),
                clock.instant(), request.ttl(), request.maxPathLength(), root.certificate(), root.key());
        return new SignedIntermediate(List.of(intermediate, root.certificate()));
    }

    /** The default root first ({@code root.pem}), then the created ones in the order they were made. */
    @Override
    public synchronized List<X509Certificate> roots(TrustDomain trustDomain) {
        return rootsOf(trustDomain).stream().map(Root::certificate).toList();
    }

    /** A new root in {@code root-<n>.pem} (key in {@code root-<n>-key.pem}, {@code 0600}); the default stays {@code root.pem}. */
    @Override
    public synchronized X509Certificate createRoot(TrustDomain trustDomain) {
        List<Root> held = rootsOf(trustDomain);
        int number = held.get(held.size() - 1).number() + 1;
        Root created;
        try {
            created = create(trustDomain, number);
        } catch (IOException e) {
            throw new CertificateAuthorityException("the built-in CA cannot create root " + number + " of " + trustDomain
                    + " under " + directory.resolve(trustDomain.name()) + ": " + e.getMessage(), e);
        }
        held.add(created);
        return created.certificate();
    }

    @Override
    public boolean constrainsNames() {
        return true;
    }

    /** Where the default root key of {@code trustDomain} is kept. */
    public Path keyFile(TrustDomain trustDomain) {
        return directory.resolve(trustDomain.name()).resolve(KEY_FILE);
    }

    private synchronized Root signingRoot(IntermediateSigningRequest request) {
        List<Root> held = rootsOf(request.trustDomain());
        if (request.rootSha256Hex().isEmpty()) {
            return held.get(0);
        }
        String wanted = request.rootSha256Hex().get();
        return held.stream().filter(root -> root.sha256Hex().equals(wanted)).findFirst()
                .orElseThrow(() -> new CertificateAuthorityException("the built-in CA holds no root of "
                        + request.trustDomain() + " with SHA-256 " + wanted + " (it holds "
                        + held.stream().map(Root::sha256Hex).toList() + " under " + directory.resolve(
                        request.trustDomain().name()) + "): name one of these, or create the root first (createRoot)"));
    }

    private synchronized List<Root> rootsOf(TrustDomain trustDomain) {
        List<Root> held = roots.get(trustDomain);
        if (held == null) {
            try {
                held = load(trustDomain);
            } catch (IOException e) {
                throw new CertificateAuthorityException("the built-in CA cannot read or create the roots of " + trustDomain
                        + " under " + directory.resolve(trustDomain.name()) + ": " + e.getMessage(), e);
            }
            roots.put(trustDomain, held);
        }
        return held;
    }

    private List<Root> load(TrustDomain trustDomain) throws IOException {
        Path keyFile = keyFile(trustDomain);
        createOwnerOnlyDirectory(keyFile.getParent());
        List<Root> held = new ArrayList<>();
        held.add(Files.exists(keyFile) ? read(keyFile, keyFile.resolveSibling(CERTIFICATE_FILE), 1) : create(trustDomain, 1));
        TreeSet<Integer> created = new TreeSet<>();
        try (Stream<Path> files = Files.list(keyFile.getParent())) {
            files.forEach(file -> {
                Matcher name = CREATED_ROOT_FILE.matcher(file.getFileName().toString());
                if (name.matches()) {
                    created.add(Integer.parseInt(name.group(1)));
                }
            });
        }
        for (int number : created) {
            if (number > 1) {
                Path createdKey = keyFile.resolveSibling("root-" + number + "-key.pem");
                if (!Files.exists(createdKey)) {
                    throw new IOException("the root certificate " + createdKey.resolveSibling("root-" + number + ".pem")
                            + " is there but its key " + createdKey + " is not: restore the key, or remove the certificate"
                            + " if no cluster's intermediate was signed under it");
                }
                held.add(read(createdKey, createdKey.resolveSibling("root-" + number + ".pem"), number));
            }
        }
        return held;
    }

    private static Root read(Path keyFile, Path certificateFile, int number) throws IOException {
        if (!Files.exists(certificateFile)) {
            throw new IOException("the root key " + keyFile + " is there but its certificate " + certificateFile
                    + " is not: restore the certificate, or remove the key " + (number == 1
                    ? "to make a new root (every cluster of the trust domain then needs new intermediates)"
                    : "if no cluster's intermediate was signed under it (a root creation that stopped half-way)"));
        }
        return new Root(number, Pem.certificate(Files.readString(certificateFile, StandardCharsets.US_ASCII)),
                Pem.privateKey(Files.readString(keyFile, StandardCharsets.US_ASCII)));
    }

    private Root create(TrustDomain trustDomain, int number) throws IOException {
        Path keyFile = number == 1 ? keyFile(trustDomain) : keyFile(trustDomain).resolveSibling("root-" + number + "-key.pem");
        Path certificateFile = number == 1 ? keyFile.resolveSibling(CERTIFICATE_FILE)
                : keyFile.resolveSibling("root-" + number + ".pem");
        KeyPair keys = KeyType.EC_P256.generate();
        // Created owner-only before the key is written, so it is never readable by others, not even briefly.
        Files.createFile(keyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(keyFile, Pem.write(keys.getPrivate()), StandardCharsets.US_ASCII, StandardOpenOption.WRITE);
        Instant now = clock.instant();
        // Each root gets a subject of its own, so a peer holding several roots never confuses their issuer names.
        X509Certificate certificate = number == 1 ? RootCertificate.selfSigned(keys, trustDomain, now, ROOT_TTL)
                : RootCertificate.selfSigned(keys, trustDomain, "fedmesh root " + trustDomain.name() + " " + number, now,
                        ROOT_TTL);
        Files.writeString(certificateFile, Pem.write(certificate), StandardCharsets.US_ASCII);
        Root root = new Root(number, certificate, keys.getPrivate());
        LOG.info("Built-in CA created root {} of trust domain {} (SHA-256 {}, valid until {}), key in {}", number, trustDomain,
                root.sha256Hex(), certificate.getNotAfter().toInstant(), keyFile);
        return root;
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

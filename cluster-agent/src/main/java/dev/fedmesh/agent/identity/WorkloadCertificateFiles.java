package dev.fedmesh.agent.identity;

import dev.fedmesh.agent.state.DurableFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The certificate, private key and trust bundle files of one workload, as a proxyless gRPC
 * workload's {@code file_watcher} certificate provider reads them ({@code certificate_file},
 * {@code private_key_file}, {@code ca_certificate_file}).
 *
 * <p>All three are replaced at once, the way Kubernetes updates a projected volume: each write puts
 * the three files in a new directory, then atomically repoints the {@code ..data} symlink at it
 * (a rename); the three stable names are symlinks through {@code ..data}. A reader therefore never
 * sees a new certificate with an old key, and the trust bundle changes together with them, which is
 * what gRPC needs to pick a rotation up. The directory and the key are readable by their owner only.
 */
public final class WorkloadCertificateFiles {

    public static final String CERTIFICATE = "svid.pem";
    public static final String PRIVATE_KEY = "svid-key.pem";
    public static final String TRUST_BUNDLE = "bundle.pem";

    private static final String DATA = "..data";
    private static final String NEXT_DATA = "..data.next";
    private static final String VERSION_PREFIX = "..v-";

    private final Path directory;

    public WorkloadCertificateFiles(Path directory) {
        this.directory = directory.toAbsolutePath();
    }

    public Path directory() {
        return directory;
    }

    public Path certificateFile() {
        return directory.resolve(CERTIFICATE);
    }

    public Path privateKeyFile() {
        return directory.resolve(PRIVATE_KEY);
    }

    public Path trustBundleFile() {
        return directory.resolve(TRUST_BUNDLE);
    }

    /**
     * Replaces all three files at once with {@code certificates}, durably: each file and the
     * directory holding them are forced to disk before the {@code ..data} link is repointed, and the
     * workload's directory after, so a crash leaves the old three or the new three, whole.
     */
    public synchronized void write(WorkloadCertificates certificates) {
        try {
            DurableFiles.createDirectories(directory, DurableFiles.OWNER_ONLY_DIRECTORY);
            Path version = Files.createTempDirectory(directory, VERSION_PREFIX,
                    PosixFilePermissions.asFileAttribute(DurableFiles.OWNER_ONLY_DIRECTORY));
            writeOwnerOnly(version.resolve(CERTIFICATE), certificates.certificateChainPem());
            writeOwnerOnly(version.resolve(PRIVATE_KEY), certificates.privateKeyPem());
            writeOwnerOnly(version.resolve(TRUST_BUNDLE), certificates.trustBundlePem());
            DurableFiles.forceDirectory(version);

            Path next = directory.resolve(NEXT_DATA);
            Files.deleteIfExists(next);
            Files.createSymbolicLink(next, version.getFileName());
            DurableFiles.move(next, directory.resolve(DATA));
            // The certificate's link last: once it exists, so do the others (a reader may wait on it).
            boolean linked = false;
            for (String name : List.of(TRUST_BUNDLE, PRIVATE_KEY, CERTIFICATE)) {
                linked |= linkThroughData(name);
            }
            if (linked) {
                DurableFiles.forceDirectory(directory);
            }
            removeVersionsOtherThan(version);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the workload certificate files under " + directory
                    + " (the directory must be writable by the agent and have space): " + e.getMessage(), e);
        }
    }

    /** Creates the stable name's link through {@code ..data} unless it is there; true when it created it. */
    private boolean linkThroughData(String name) throws IOException {
        Path link = directory.resolve(name);
        if (Files.isSymbolicLink(link)) {
            return false;
        }
        try {
            Files.createSymbolicLink(link, Path.of(DATA, name));
        } catch (FileAlreadyExistsException e) {
            throw new IOException(link + " exists and is not the agent's link: remove it", e);
        }
        return true;
    }

    private void removeVersionsOtherThan(Path current) throws IOException {
        List<Path> stale;
        try (Stream<Path> entries = Files.list(directory)) {
            stale = entries.filter(p -> p.getFileName().toString().startsWith(VERSION_PREFIX) && !p.equals(current))
                    .toList();
        }
        for (Path old : stale) {
            try (Stream<Path> files = Files.walk(old)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    // Created owner-only before anything is written, so the key is never readable by others, not even briefly.
    private static void writeOwnerOnly(Path file, String content) throws IOException {
        DurableFiles.create(file, content.getBytes(StandardCharsets.US_ASCII), DurableFiles.OWNER_ONLY_FILE);
    }
}

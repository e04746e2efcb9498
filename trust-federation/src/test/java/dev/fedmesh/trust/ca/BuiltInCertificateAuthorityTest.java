package dev.fedmesh.trust.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.fedmesh.trust.spiffe.TrustDomain;
import dev.fedmesh.trust.svid.SvidIssuer;
import dev.fedmesh.trust.svid.X509Svid;
import dev.fedmesh.trust.x509.CertificateFingerprint;
import dev.fedmesh.trust.x509.CertificateRequest;
import dev.fedmesh.trust.x509.CertificateUris;
import dev.fedmesh.trust.x509.KeyType;
import dev.fedmesh.trust.x509.Pem;
import dev.fedmesh.trust.x509.RootCertificate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class BuiltInCertificateAuthorityTest {

    private static final TrustDomain ACME = TrustDomain.of("acme.fedmesh.dev");
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-26T10:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    @Test
    void theRootKeyIsInAFileOnlyItsOwnerCanRead() throws Exception {
        BuiltInCertificateAuthority ca = BuiltInCertificateAuthority.open(dir.resolve("ca"), CLOCK);

        ca.roots(ACME);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(ca.keyFile(ACME)))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ca")))).isEqualTo("rwx------");
    }

    @Test
    void aRestartKeepsTheSameRoot() {
        List<X509Certificate> before = BuiltInCertificateAuthority.open(dir, CLOCK).roots(ACME);

        List<X509Certificate> after = BuiltInCertificateAuthority.open(dir, CLOCK).roots(ACME);

        assertThat(after).isEqualTo(before);
    }

    @Test
    void aRootKeyWithoutItsCertificateIsNotSilentlyReplaced() throws Exception {
        BuiltInCertificateAuthority first = BuiltInCertificateAuthority.open(dir, CLOCK);
        first.roots(ACME);
        Files.delete(first.keyFile(ACME).resolveSibling("root.pem"));

        assertThatThrownBy(() -> BuiltInCertificateAuthority.open(dir, CLOCK).roots(ACME))
                .isInstanceOf(CertificateAuthorityException.class)
                .hasMessageContaining("restore the certificate, or remove the key to make a new root");
    }

    @Test
    void eachTrustDomainHasItsOwnRoot() {
        BuiltInCertificateAuthority ca = BuiltInCertificateAuthority.open(dir, CLOCK);

        X509Certificate acme = ca.roots(ACME).get(0);
        X509Certificate globex = ca.roots(TrustDomain.of("globex.fedmesh.dev")).get(0);

        assertThat(acme.getPublicKey()).isNotEqualTo(globex.getPublicKey());
        assertThat(CertificateUris.of(globex)).containsExactly("spiffe://globex.fedmesh.dev");
    }

    @Test
    void anIntermediateIsSignedByTheTrustDomainsRootWithTheAskedTtlAndPathLength() throws Exception {
        BuiltInCertificateAuthority ca = BuiltInCertificateAuthority.open(dir, CLOCK);
        KeyPair agentKeys = KeyType.EC_P256.generate();
        CertificateRequest csr = CertificateRequest.create(agentKeys, "east", List.of(ACME.id().toUri()), true);

        SignedIntermediate signed = ca.signIntermediate(new IntermediateSigningRequest(ACME, csr, Duration.ofDays(7), 1));

        X509Certificate root = ca.roots(ACME).get(0);
        signed.certificate().verify(root.getPublicKey());
        assertThat(signed.chain()).containsExactly(signed.certificate(), root);
        assertThat(signed.certificate().getPublicKey()).isEqualTo(agentKeys.getPublic());
        assertThat(signed.certificate().getBasicConstraints()).isEqualTo(1);
        assertThat(signed.certificate().getNotAfter().toInstant()).isEqualTo(CLOCK.instant().plus(Duration.ofDays(7)));
        assertThat(ca.constrainsNames()).isTrue();
    }

    @Test
    void aCreatedRootIsListedAfterTheDefaultAndSignsOnlyRequestsThatNameIt() throws Exception {
        BuiltInCertificateAuthority ca = BuiltInCertificateAuthority.open(dir, CLOCK);
        X509Certificate old = ca.roots(ACME).get(0);

        X509Certificate created = ca.createRoot(ACME);

        assertThat(ca.roots(ACME)).containsExactly(old, created);
        assertThat(RootCertificate.isRoot(created)).isTrue();
        assertThat(CertificateUris.of(created)).containsExactly("spiffe://acme.fedmesh.dev");
        assertThat(created.getSubjectX500Principal()).isNotEqualTo(old.getSubjectX500Principal());
        SignedIntermediate unnamed = ca.signIntermediate(request(Duration.ofDays(7)));
        unnamed.certificate().verify(old.getPublicKey());
        assertThat(unnamed.chain()).containsExactly(unnamed.certificate(), old);
        SignedIntermediate underNew = ca.signIntermediate(request(Duration.ofDays(7)).underRoot(CertificateFingerprint.sha256Hex(created)));
        underNew.certificate().verify(created.getPublicKey());
        assertThat(underNew.chain()).containsExactly(underNew.certificate(), created);
        SignedIntermediate underOld = ca.signIntermediate(request(Duration.ofDays(7)).underRoot(CertificateFingerprint.sha256Hex(old)));
        underOld.certificate().verify(old.getPublicKey());
    }

    @Test
    void svidsUnderEitherRootValidateAgainstABundleOfBothAndOnlyTheirOwnRootAlone() throws Exception {
        BuiltInCertificateAuthority ca = BuiltInCertificateAuthority.open(dir, CLOCK);
        X509Certificate old = ca.roots(ACME).get(0);
        X509Certificate created = ca.createRoot(ACME);

        List<X509Certificate> underOld = svidChain(ca, Optional.empty());
        List<X509Certificate> underNew = svidChain(ca, Optional.of(CertificateFingerprint.sha256Hex(created)));

        validate(underOld, old, created);
        validate(underNew, old, created);
        validate(underNew, created);
        assertThatThrownBy(() -> validate(underNew, old)).isInstanceOf(CertPathValidatorException.class);
    }

    @Test
    void aReopenedCaFindsEveryRootAndStillSignsUnderEach() throws Exception {
        BuiltInCertificateAuthority first = BuiltInCertificateAuthority.open(dir, CLOCK);
        first.roots(ACME);
        first.createRoot(ACME);
        X509Certificate third = first.createRoot(ACME);
        List<X509Certificate> before = first.roots(ACME);

        BuiltInCertificateAuthority reopened = BuiltInCertificateAuthority.open(dir, CLOCK);

        assertThat(reopened.roots(ACME)).isEqualTo(before).hasSize(3);
        reopened.signIntermediate(request(Duration.ofDays(7)).underRoot(CertificateFingerprint.sha256Hex(third)))
                .certificate().verify(third.getPublicKey());
        assertThat(reopened.createRoot(ACME).getSubjectX500Principal().getName()).contains("fedmesh root acme.fedmesh.dev 4");
        assertThat(Files.exists(dir.resolve("acme.fedmesh.dev").resolve("root-4.pem"))).isTrue();
    }

    @Test
    void anInstallFromBeforeRotationKeepsItsRootAsTheDefault() throws Exception {
        Path domain = Files.createDirectories(dir.resolve("acme.fedmesh.dev"));
        KeyPair keys = KeyType.EC_P256.generate();
        X509Certificate existing = RootCertificate.selfSigned(keys, ACME, CLOCK.instant(), Duration.ofDays(3650));
        Files.writeString(domain.resolve("root-key.pem"), Pem.write(keys.getPrivate()));
        Files.writeString(domain.resolve("root.pem"), Pem.write(existing));
        BuiltInCertificateAuthority ca = BuiltInCertificateAuthority.open(dir, CLOCK);

        X509Certificate created = ca.createRoot(ACME);

        assertThat(ca.roots(ACME)).containsExactly(existing, created);
        ca.signIntermediate(request(Duration.ofDays(7))).certificate().verify(existing.getPublicKey());
        try (var files = Files.list(domain)) {
            assertThat(files.map(file -> file.getFileName().toString()))
                    .containsExactlyInAnyOrder("root-key.pem", "root.pem", "root-2-key.pem", "root-2.pem");
        }
    }

    @Test
    void aCreatedRootsKeyIsInAFileOnlyItsOwnerCanRead() throws Exception {
        BuiltInCertificateAuthority ca = BuiltInCertificateAuthority.open(dir, CLOCK);

        ca.createRoot(ACME);

        Path key = ca.keyFile(ACME).resolveSibling("root-2-key.pem");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        assertThat(Files.readString(key)).startsWith("-----BEGIN PRIVATE KEY-----");
    }

    @Test
    void aRootItDoesNotHoldIsRefusedNamingTheFingerprintAndTheRootsItHolds() {
        BuiltInCertificateAuthority ca = BuiltInCertificateAuthority.open(dir, CLOCK);
        String held = CertificateFingerprint.sha256Hex(ca.roots(ACME).get(0));
        String globexRoot = CertificateFingerprint.sha256Hex(ca.roots(TrustDomain.of("globex.fedmesh.dev")).get(0));

        assertThatThrownBy(() -> ca.signIntermediate(request(Duration.ofDays(7)).underRoot(globexRoot)))
                .isInstanceOf(CertificateAuthorityException.class)
                .hasMessageContaining("holds no root of acme.fedmesh.dev with SHA-256 " + globexRoot)
                .hasMessageContaining(held)
                .hasMessageContaining("create the root first");
    }

    @Test
    void aCreatedRootWhoseKeyIsMissingStopsTheCaRatherThanSigningWithoutIt() throws Exception {
        BuiltInCertificateAuthority first = BuiltInCertificateAuthority.open(dir, CLOCK);
        first.createRoot(ACME);
        Files.delete(first.keyFile(ACME).resolveSibling("root-2-key.pem"));

        assertThatThrownBy(() -> BuiltInCertificateAuthority.open(dir, CLOCK).roots(ACME))
                .isInstanceOf(CertificateAuthorityException.class)
                .hasMessageContaining("root-2.pem is there but its key")
                .hasMessageContaining("restore the key");
    }

    @Test
    void aCreatedRootKeyWithoutItsCertificateStopsTheCaSayingWhenItIsSafeToRemove() throws Exception {
        BuiltInCertificateAuthority first = BuiltInCertificateAuthority.open(dir, CLOCK);
        first.createRoot(ACME);
        Files.delete(first.keyFile(ACME).resolveSibling("root-2.pem"));

        assertThatThrownBy(() -> BuiltInCertificateAuthority.open(dir, CLOCK).roots(ACME))
                .isInstanceOf(CertificateAuthorityException.class)
                .hasMessageContaining("root-2-key.pem is there but its certificate")
                .hasMessageContaining("if no cluster's intermediate was signed under it");
    }

    @Test
    void itSaysOnceAndClearlyThatItIsNotForProduction() {
        Logger logger = (Logger) LoggerFactory.getLogger(BuiltInCertificateAuthority.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            BuiltInCertificateAuthority ca = BuiltInCertificateAuthority.open(dir, CLOCK);
            ca.roots(ACME);
            ca.signIntermediate(IntermediateSigningRequest.leavesOnly(ACME,
                    CertificateRequest.create(KeyType.EC_P256.generate(), "east", List.of(), true), Duration.ofDays(1)));
        } finally {
            logger.detachAppender(appender);
        }

        List<ILoggingEvent> warnings = appender.list.stream().filter(event -> event.getLevel() == Level.WARN).toList();
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0).getFormattedMessage()).contains("NOT FOR PRODUCTION").contains(dir.toString());
    }

    private static IntermediateSigningRequest request(Duration ttl) {
        return IntermediateSigningRequest.leavesOnly(ACME,
                CertificateRequest.create(KeyType.EC_P256.generate(), "east", List.of(ACME.id().toUri()), true), ttl);
    }

    /** A workload's SVID and its intermediate, the intermediate signed under {@code root} (empty: the default). */
    private static List<X509Certificate> svidChain(BuiltInCertificateAuthority ca, Optional<String> root) {
        KeyPair intermediateKeys = KeyType.EC_P256.generate();
        IntermediateSigningRequest request = IntermediateSigningRequest.leavesOnly(ACME,
                CertificateRequest.create(intermediateKeys, "east", List.of(ACME.id().toUri()), true), Duration.ofDays(7));
        SignedIntermediate intermediate = ca.signIntermediate(root.map(request::underRoot).orElse(request));
        X509Svid svid = new SvidIssuer(ACME, intermediateKeys.getPrivate(), List.of(intermediate.certificate()),
                Duration.ofHours(1)).issue(ACME.workload("shop", "cart"), KeyType.EC_P256.generate().getPublic(),
                CLOCK.instant());
        return List.of(svid.certificate(), intermediate.certificate());
    }

    private static void validate(List<X509Certificate> chain, X509Certificate... bundle) throws Exception {
        Set<TrustAnchor> anchors = Arrays.stream(bundle).map(root -> new TrustAnchor(root, null)).collect(Collectors.toSet());
        PKIXParameters parameters = new PKIXParameters(anchors);
        parameters.setRevocationEnabled(false);
        parameters.setDate(Date.from(CLOCK.instant().plusSeconds(60)));
        CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509").generateCertPath(chain),
                parameters);
    }
}

package dev.fedmesh.agent.trust;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fedmesh.trust.spiffe.TrustDomain;
import dev.fedmesh.trust.x509.CertificateFingerprint;
import dev.fedmesh.trust.x509.CertificateRequest;
import dev.fedmesh.trust.x509.IntermediateCertificate;
import dev.fedmesh.trust.x509.KeyType;
import dev.fedmesh.trust.x509.RootCertificate;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which root of the bundle an intermediate chains to, and when a config's signing root asks for a new one. */
class IntermediateChainRootTest {

    private static final TrustDomain DOMAIN = TrustDomain.of("acme.fedmesh.dev");
    private static final Instant NOW = Instant.now();

    // Both roots carry the same subject, as two roots of one trust domain do: only their keys tell them apart.
    private final KeyPair oldKeys = KeyType.EC_P256.generate();
    private final X509Certificate oldRoot = RootCertificate.selfSigned(oldKeys, DOMAIN, NOW, Duration.ofDays(365));
    private final KeyPair newKeys = KeyType.EC_P256.generate();
    private final X509Certificate newRoot = RootCertificate.selfSigned(newKeys, DOMAIN, NOW, Duration.ofDays(365));
    private final X509Certificate underOld = intermediate(oldRoot, oldKeys);

    @Test
    void theRootIsTheOneWhoseKeyVerifiesTheIntermediate() {
        assertThat(IntermediateChainRoot.of(List.of(underOld), List.of(newRoot, oldRoot), "")).contains(oldRoot);
        assertThat(IntermediateChainRoot.of(List.of(intermediate(newRoot, newKeys)), List.of(oldRoot, newRoot), ""))
                .contains(newRoot);
    }

    @Test
    void aChainThatEndsWithItsRootLeadsToThatRoot() {
        assertThat(IntermediateChainRoot.of(List.of(underOld, oldRoot), List.of(newRoot, oldRoot), "")).contains(oldRoot);
    }

    @Test
    void aChainNoRootOfTheBundleVerifiesLeadsNowhere() {
        assertThat(IntermediateChainRoot.of(List.of(underOld), List.of(newRoot), "")).isEmpty();
    }

    @Test
    void ofTwoRootsWithTheSameKeyTheSigningRootIsTheOne() {
        X509Certificate reissued = RootCertificate.selfSigned(oldKeys, DOMAIN, NOW.plusSeconds(60), Duration.ofDays(730));
        String reissuedSha256 = CertificateFingerprint.sha256Hex(reissued);

        assertThat(IntermediateChainRoot.of(List.of(underOld), List.of(oldRoot, reissued), reissuedSha256))
                .contains(reissued);
        assertThat(IntermediateChainRoot.needsNewRoot(List.of(underOld), List.of(oldRoot, reissued), reissuedSha256))
                .as("an intermediate the new root's key verifies needs no new one").isFalse();
    }

    @Test
    void aNewIntermediateIsNeededOnlyWhenTheSigningRootIsAnotherOne() {
        List<X509Certificate> bundle = List.of(oldRoot, newRoot);

        assertThat(IntermediateChainRoot.needsNewRoot(List.of(underOld), bundle, "")).as("no signing root").isFalse();
        assertThat(IntermediateChainRoot.needsNewRoot(List.of(underOld), bundle,
                CertificateFingerprint.sha256Hex(oldRoot))).as("the root it chains to").isFalse();
        assertThat(IntermediateChainRoot.needsNewRoot(List.of(underOld), bundle,
                CertificateFingerprint.sha256Hex(newRoot))).as("another root").isTrue();
        assertThat(IntermediateChainRoot.needsNewRoot(List.of(underOld), List.of(newRoot),
                CertificateFingerprint.sha256Hex(oldRoot))).as("no root of the bundle verifies it").isTrue();
    }

    private static X509Certificate intermediate(X509Certificate root, KeyPair rootKeys) {
        KeyPair keys = KeyType.EC_P256.generate();
        CertificateRequest csr = CertificateRequest.create(keys, "fedmesh intermediate east", List.of(DOMAIN.id().toUri()), true);
        return IntermediateCertificate.fromRequest(csr, DOMAIN, NOW, Duration.ofDays(30), 0, root, rootKeys.getPrivate());
    }
}

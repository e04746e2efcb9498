package dev.fedmesh.trust.issuance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fedmesh.trust.ca.BuiltInCertificateAuthority;
import dev.fedmesh.trust.ca.CertificateAuthority;
import dev.fedmesh.trust.ca.CertificateAuthorityException;
import dev.fedmesh.trust.ca.IntermediateSigningRequest;
import dev.fedmesh.trust.ca.SignedIntermediate;
import dev.fedmesh.trust.spiffe.TrustDomain;
import dev.fedmesh.trust.x509.CertificateFingerprint;
import dev.fedmesh.trust.x509.CertificateRequest;
import dev.fedmesh.trust.x509.CertificateUris;
import dev.fedmesh.trust.x509.KeyType;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IntermediateIssuerTest {

    private static final TrustDomain ACME = TrustDomain.of("acme.fedmesh.dev");
    private static final IntermediateOwner EAST = new IntermediateOwner(UUID.randomUUID(), "east", ACME);
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-26T10:00:00Z"), ZoneOffset.UTC);
    private static final Clock EIGHT_DAYS_LATER = Clock.offset(CLOCK, Duration.ofDays(8));

    @TempDir
    Path dir;

    private CountingCa ca;
    private final List<String> audited = new ArrayList<>();
    private IntermediateIssuer issuer;

    /** The built-in CA, counting what it is asked to sign. */
    private static final class CountingCa implements CertificateAuthority {
        private final CertificateAuthority real;
        private final AtomicInteger signed = new AtomicInteger();

        CountingCa(CertificateAuthority real) {
            this.real = real;
        }

        @Override
        public SignedIntermediate signIntermediate(IntermediateSigningRequest request) {
            signed.incrementAndGet();
            return real.signIntermediate(request);
        }

        @Override
        public List<X509Certificate> roots(TrustDomain trustDomain) {
            return real.roots(trustDomain);
        }

        @Override
        public X509Certificate createRoot(TrustDomain trustDomain) {
            return real.createRoot(trustDomain);
        }

        @Override
        public boolean constrainsNames() {
            return real.constrainsNames();
        }
    }

    private final InMemoryIssuedIntermediates store = new InMemoryIssuedIntermediates();

    @BeforeEach
    void start() {
        ca = new CountingCa(BuiltInCertificateAuthority.open(dir, CLOCK));
        issuer = issuerAt(CLOCK);
    }

    private IntermediateIssuer issuerAt(Clock clock) {
        return new IntermediateIssuer(ca, store,
                (owner, key, refusal) -> audited.add(owner.cluster() + " " + refusal.code() + " " + key),
                new IntermediateTerms(Duration.ofDays(7), 0), clock);
    }

    @Test
    void aWellFormedCsrGetsAnIntermediateOfItsTrustDomain() throws Exception {
        KeyPair keys = KeyType.EC_P256.generate();

        IssuedIntermediate issued = issuer.issue(EAST, Csrs.forKeys(keys).uri("spiffe://acme.fedmesh.dev").build());

        X509Certificate certificate = issued.signed().certificate();
        certificate.verify(ca.roots(ACME).get(0).getPublicKey());
        assertThat(certificate.getPublicKey()).isEqualTo(keys.getPublic());
        assertThat(CertificateUris.of(certificate)).containsExactly("spiffe://acme.fedmesh.dev");
        assertThat(certificate.getBasicConstraints()).isZero();
        assertThat(certificate.getNotAfter().toInstant()).isEqualTo(CLOCK.instant().plus(Duration.ofDays(7)));
        assertThat(audited).isEmpty();
    }

    @Test
    void askingAgainWithTheSameKeyReturnsTheSameCertificateWithoutSigningAgain() throws Exception {
        KeyPair keys = KeyType.EC_P256.generate();
        IssuedIntermediate first = issuer.issue(EAST, Csrs.forKeys(keys).uri("spiffe://acme.fedmesh.dev").build());

        IssuedIntermediate second = issuer.issue(EAST, CertificateRequest.create(keys, "east-restarted",
                List.of(ACME.id().toUri()), true));

        assertThat(second.signed().certificate()).isEqualTo(first.signed().certificate());
        assertThat(ca.signed.get()).isEqualTo(1);
    }

    @Test
    void anIntermediateIsIssuedUnderTheRootTheRequestNames() throws Exception {
        X509Certificate old = ca.roots(ACME).get(0);
        X509Certificate created = ca.createRoot(ACME);

        IssuedIntermediate issued = issuer.issue(EAST, Csrs.forKeys(KeyType.EC_P256.generate()).uri("spiffe://acme.fedmesh.dev")
                .build(), Optional.of(CertificateFingerprint.sha256Hex(created)));
        IssuedIntermediate unnamed = issuer.issue(EAST, Csrs.forKeys(KeyType.EC_P256.generate()).uri("spiffe://acme.fedmesh.dev")
                .build(), Optional.empty());

        issued.signed().certificate().verify(created.getPublicKey());
        assertThat(issued.signed().chain()).last().isEqualTo(created);
        unnamed.signed().certificate().verify(old.getPublicKey());
    }

    @Test
    void aKeyAlreadyIssuedKeepsItsIntermediateWhenAskedAgainUnderAnotherRoot() throws Exception {
        KeyPair keys = KeyType.EC_P256.generate();
        IssuedIntermediate first = issuer.issue(EAST, Csrs.forKeys(keys).uri("spiffe://acme.fedmesh.dev").build());
        X509Certificate created = ca.createRoot(ACME);

        IssuedIntermediate again = issuer.issue(EAST, Csrs.forKeys(keys).uri("spiffe://acme.fedmesh.dev").build(),
                Optional.of(CertificateFingerprint.sha256Hex(created)));

        assertThat(again.signed().certificate()).isEqualTo(first.signed().certificate());
        assertThat(ca.signed.get()).isEqualTo(1);
    }

    @Test
    void aRootTheCaDoesNotHoldFailsTheIssueWithoutARefusalOrACertificate() throws Exception {
        KeyPair keys = KeyType.EC_P256.generate();
        String unknown = "0f".repeat(32);

        assertThatThrownBy(() -> issuer.issue(EAST, Csrs.forKeys(keys).uri("spiffe://acme.fedmesh.dev").build(),
                Optional.of(unknown)))
                .isInstanceOf(CertificateAuthorityException.class)
                .hasMessageContaining(unknown);
        assertThat(audited).isEmpty();
        IssuedIntermediate later = issuer.issue(EAST, Csrs.forKeys(keys).uri("spiffe://acme.fedmesh.dev").build());
        later.signed().certificate().verify(ca.roots(ACME).get(0).getPublicKey());
    }

    @Test
    void aKeyAlreadyIssuedToAnotherClusterIsRefused() throws Exception {
        KeyPair keys = KeyType.EC_P256.generate();
        issuer.issue(EAST, Csrs.forKeys(keys).uri("spiffe://acme.fedmesh.dev").build());
        IntermediateOwner west = new IntermediateOwner(EAST.tenantId(), "west", ACME);

        assertRefused(west, Csrs.forKeys(keys).uri("spiffe://acme.fedmesh.dev").build(),
                Refusal.Code.KEY_HELD_BY_ANOTHER_CLUSTER, "another cluster");
        assertThat(audited).singleElement().asString().startsWith("west KEY_HELD_BY_ANOTHER_CLUSTER");
        assertThat(ca.signed.get()).isEqualTo(1);
    }

    @Test
    void aKeyWhoseIntermediateExpiredIsRefusedRatherThanSignedAgain() throws Exception {
        KeyPair keys = KeyType.EC_P256.generate();
        issuer.issue(EAST, Csrs.forKeys(keys).uri("spiffe://acme.fedmesh.dev").build());
        issuer = issuerAt(EIGHT_DAYS_LATER);

        assertRefused(EAST, Csrs.forKeys(keys).uri("spiffe://acme.fedmesh.dev").build(), Refusal.Code.KEY_EXPIRED,
                "generate a new intermediate key");
        assertThat(ca.signed.get()).isEqualTo(1);
    }

    @Test
    void aCsrForAnotherTrustDomainIsRefused() throws Exception {
        assertRefused(EAST, Csrs.forKeys(KeyType.EC_P256.generate()).uri("spiffe://globex.fedmesh.dev").build(),
                Refusal.Code.WRONG_URI_SAN, "[spiffe://globex.fedmesh.dev]");
    }

    @Test
    void aCsrForAWorkloadIdInsteadOfTheTrustDomainIsRefused() throws Exception {
        assertRefused(EAST, Csrs.forKeys(KeyType.EC_P256.generate()).uri("spiffe://acme.fedmesh.dev/ns/shop/sa/cart").build(),
                Refusal.Code.WRONG_URI_SAN, "exactly one, spiffe://acme.fedmesh.dev");
    }

    @Test
    void aCsrWithoutAUriSanIsRefused() throws Exception {
        assertRefused(EAST, Csrs.forKeys(KeyType.EC_P256.generate()).build(), Refusal.Code.WRONG_URI_SAN, "URI SANs []");
    }

    @Test
    void aCsrWithADnsSanBesidesTheTrustDomainIsRefused() throws Exception {
        assertRefused(EAST, Csrs.forKeys(KeyType.EC_P256.generate()).uri("spiffe://acme.fedmesh.dev").dns("evil.example.com").build(),
                Refusal.Code.EXTRA_SAN, "dns:evil.example.com");
    }

    @Test
    void aCsrThatDoesNotAskToBeACaIsRefused() throws Exception {
        assertRefused(EAST, Csrs.forKeys(KeyType.EC_P256.generate()).uri("spiffe://acme.fedmesh.dev").leaf().build(),
                Refusal.Code.NOT_A_CA, "CA:TRUE");
    }

    @Test
    void aCaCsrWithoutKeyCertSignIsRefused() throws Exception {
        assertRefused(EAST, Csrs.forKeys(KeyType.EC_P256.generate()).uri("spiffe://acme.fedmesh.dev")
                        .keyUsage(KeyUsage.digitalSignature).build(),
                Refusal.Code.NOT_A_CA, "keyCertSign");
    }

    @Test
    void aCsrNotSignedByItsOwnKeyIsRefused() throws Exception {
        CertificateRequest csr = Csrs.forKeys(KeyType.EC_P256.generate()).uri("spiffe://acme.fedmesh.dev")
                .signedWith(KeyType.EC_P256.generate().getPrivate()).build();

        assertRefused(EAST, csr, Refusal.Code.SIGNATURE_INVALID, "proof of possession");
    }

    @Test
    void anRsaKeyOf1024BitsIsRefused() throws Exception {
        assertRefused(EAST, Csrs.forKeys(Csrs.rsa(1024)).uri("spiffe://acme.fedmesh.dev").build(),
                Refusal.Code.WEAK_KEY, "RSA 1024-bit");
    }

    @Test
    void anEcKeyOnP521IsRefused() throws Exception {
        assertRefused(EAST, Csrs.forKeys(Csrs.ec("secp521r1")).uri("spiffe://acme.fedmesh.dev").build(),
                Refusal.Code.WEAK_KEY, "EC secp521r1");
    }

    @Test
    void anEd25519KeyIsRefused() throws Exception {
        KeyPair keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();

        assertRefused(EAST, Csrs.forKeys(keys).uri("spiffe://acme.fedmesh.dev").build(), Refusal.Code.WEAK_KEY, "Ed25519");
    }

    @Test
    void rsa2048AndP384KeysAreAccepted() throws Exception {
        issuer.issue(EAST, Csrs.forKeys(Csrs.rsa(2048)).uri("spiffe://acme.fedmesh.dev").build());
        issuer.issue(EAST, Csrs.forKeys(KeyType.EC_P384.generate()).uri("spiffe://acme.fedmesh.dev").build());

        assertThat(ca.signed.get()).isEqualTo(2);
    }

    private void assertRefused(IntermediateOwner owner, CertificateRequest csr, Refusal.Code code, String reasonPart) {
        int signedBefore = ca.signed.get();
        int auditedBefore = audited.size();

        assertThatThrownBy(() -> issuer.issue(owner, csr))
                .isInstanceOfSatisfying(IntermediateRefusedException.class, e -> {
                    assertThat(e.refusal().code()).isEqualTo(code);
                    assertThat(e.refusal().reason()).contains(reasonPart);
                });

        assertThat(ca.signed.get()).as("nothing signed").isEqualTo(signedBefore);
        assertThat(audited).hasSize(auditedBefore + 1);
        assertThat(audited.get(audited.size() - 1)).startsWith(owner.cluster() + " " + code + " ");
    }
}

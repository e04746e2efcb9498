package dev.fedmesh.trust.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fedmesh.trust.ca.CertificateAuthorityException;
import dev.fedmesh.trust.ca.IntermediateSigningRequest;
import dev.fedmesh.trust.ca.SignedIntermediate;
import dev.fedmesh.trust.spiffe.TrustDomain;
import dev.fedmesh.trust.x509.CertificateFingerprint;
import dev.fedmesh.trust.x509.CertificateRequest;
import dev.fedmesh.trust.x509.CertificateUris;
import dev.fedmesh.trust.x509.KeyType;
import dev.fedmesh.trust.x509.RootCertificate;
import io.github.jopenlibs.vault.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Vault PKI back end against {@link VaultPkiDouble}: the exact calls, both auth methods, root rotation
 * (a new root issuer, signing under a named root, an unknown root refused), and every failure.
 */
class VaultPkiCertificateAuthorityTest {

    private static final TrustDomain ACME = TrustDomain.of("acme.fedmesh.dev");
    private static final String NAMESPACE = "team-mesh";
    private static final String ROLE_ID = "role-7f1e";
    private static final String SECRET_ID = "secret-0c9a-do-not-print";

    @TempDir
    Path dir;

    private VaultPkiDouble vault;
    private final MovableClock clock = new MovableClock();

    @BeforeEach
    void startVault() throws IOException {
        vault = VaultPkiDouble.start("pki-acme", NAMESPACE);
        vault.addAppRole(ROLE_ID, SECRET_ID);
    }

    @AfterEach
    void stopVault() {
        vault.close();
    }

    @Test
    void aTokenFromAFileGetsTheIntermediateSignedWithTheDocumentedParameters() throws Exception {
        String token = vault.tokenWithPolicy();
        VaultPkiCertificateAuthority ca = new VaultPkiCertificateAuthority(tokenSettings(token, true), clock);
        KeyPair keys = KeyType.EC_P256.generate();

        SignedIntermediate signed = ca.signIntermediate(request(keys, Duration.ofDays(7)));

        X509Certificate intermediate = signed.certificate();
        intermediate.verify(vault.defaultRoot().getPublicKey());
        assertThat(signed.chain()).containsExactly(intermediate, vault.defaultRoot());
        assertThat(intermediate.getPublicKey()).isEqualTo(keys.getPublic());
        assertThat(CertificateUris.of(intermediate)).containsExactly("spiffe://acme.fedmesh.dev");
        assertThat(intermediate.getBasicConstraints()).isZero();
        assertThat(intermediate.getCriticalExtensionOIDs()).contains("2.5.29.30");
        JsonObject sent = vault.lastSignParameters();
        assertThat(sent.names()).containsExactlyInAnyOrder("csr", "common_name", "exclude_cn_from_sans", "uri_sans", "ttl",
                "max_path_length", "format", "use_csr_values", "permitted_uri_domains");
        assertThat(sent.get("uri_sans").asString()).isEqualTo("spiffe://acme.fedmesh.dev");
        assertThat(sent.get("ttl").asString()).isEqualTo("604800s");
        assertThat(sent.get("max_path_length").asInt()).isZero();
        assertThat(sent.get("permitted_uri_domains").asString()).isEqualTo("acme.fedmesh.dev");
        assertThat(sent.get("use_csr_values").asBoolean()).isFalse();
        assertThat(vault.calls()).containsExactly("POST /v1/pki-acme/root/sign-intermediate");
        assertThat(ca.constrainsNames()).isTrue();
    }

    @Test
    void appRoleLogsInWithTheRoleIdAndTheSecretIdFromItsFile() throws Exception {
        VaultPkiCertificateAuthority ca = new VaultPkiCertificateAuthority(appRoleSettings(), clock);

        ca.signIntermediate(request(KeyType.EC_P256.generate(), Duration.ofDays(7)));
        ca.signIntermediate(request(KeyType.EC_P256.generate(), Duration.ofDays(7)));

        assertThat(vault.logins()).isEqualTo(1);
        assertThat(vault.calls()).containsExactly("POST /v1/auth/approle/login", "POST /v1/pki-acme/root/sign-intermediate",
                "POST /v1/pki-acme/root/sign-intermediate");
    }

    @Test
    void anExpiredAppRoleTokenIsReplacedByLoggingInAgain() throws Exception {
        VaultPkiCertificateAuthority ca = new VaultPkiCertificateAuthority(appRoleSettings(), clock);
        ca.signIntermediate(request(KeyType.EC_P256.generate(), Duration.ofDays(7)));

        vault.expireTokens();
        ca.signIntermediate(request(KeyType.EC_P256.generate(), Duration.ofDays(7)));

        assertThat(vault.logins()).isEqualTo(2);
    }

    @Test
    void anAppRoleTokenNearTheEndOfItsLeaseIsReplacedBeforeVaultRefusesIt() throws Exception {
        vault.leaseSeconds(600);
        VaultPkiCertificateAuthority ca = new VaultPkiCertificateAuthority(appRoleSettings(), clock);
        ca.signIntermediate(request(KeyType.EC_P256.generate(), Duration.ofDays(7)));

        clock.advance(Duration.ofSeconds(451));
        ca.signIntermediate(request(KeyType.EC_P256.generate(), Duration.ofDays(7)));

        assertThat(vault.logins()).isEqualTo(2);
        assertThat(vault.calls()).filteredOn(call -> call.contains("sign-intermediate")).hasSize(2);
    }

    @Test
    void aRotatedTokenFileIsReadAgainWhenVaultRefusesTheOldToken() throws Exception {
        VaultSettings settings = tokenSettings(vault.tokenWithPolicy(), true);
        VaultPkiCertificateAuthority ca = new VaultPkiCertificateAuthority(settings, clock);
        ca.signIntermediate(request(KeyType.EC_P256.generate(), Duration.ofDays(7)));

        vault.expireTokens();
        Files.writeString(((VaultAuth.TokenFile) settings.auth()).file(), vault.tokenWithPolicy());
        ca.signIntermediate(request(KeyType.EC_P256.generate(), Duration.ofDays(7)));

        assertThat(vault.calls()).containsExactly("POST /v1/pki-acme/root/sign-intermediate",
                "POST /v1/pki-acme/root/sign-intermediate", "POST /v1/pki-acme/root/sign-intermediate");
    }

    @Test
    void aTokenWithoutThePolicyGetsAClearPermissionDenied() {
        String token = vault.tokenWithoutPolicy();
        VaultPkiCertificateAuthority ca = new VaultPkiCertificateAuthority(tokenSettings(token, true), clock);

        assertThatThrownBy(() -> ca.signIntermediate(request(KeyType.EC_P256.generate(), Duration.ofDays(7))))
                .isInstanceOfSatisfying(VaultCallException.class, e -> assertThat(e.status()).isEqualTo(403))
                .hasMessageContaining("denied POST /v1/pki-acme/root/sign-intermediate")
                .hasMessageContaining("permission denied")
                .hasMessageContaining("\"Vault policy\" of docs/trust.md")
                .hasMessageNotContaining(token);
    }

    @Test
    void aBadRequestFromVaultSaysWhatVaultSaid() {
        VaultPkiCertificateAuthority ca = new VaultPkiCertificateAuthority(tokenSettings(vault.tokenWithPolicy(), true), clock);
        vault.failNextCall(400, "requested TTL of 8760h is greater than the mount's max TTL of 720h");

        assertThatThrownBy(() -> ca.signIntermediate(request(KeyType.EC_P256.generate(), Duration.ofDays(365))))
                .isInstanceOfSatisfying(VaultCallException.class, e -> assertThat(e.status()).isEqualTo(400))
                .hasMessage("Vault at " + vault.address() + " refused POST /v1/pki-acme/root/sign-intermediate (400:"
                        + " requested TTL of 8760h is greater than the mount's max TTL of 720h)");
    }

    @Test
    void aWrongAppRoleSecretIdIsRefusedWithoutPrintingIt() throws Exception {
        VaultSettings settings = appRoleSettings();
        Files.writeString(((VaultAuth.AppRole) settings.auth()).secretIdFile(), "not-the-secret");
        VaultPkiCertificateAuthority ca = new VaultPkiCertificateAuthority(settings, clock);

        assertThatThrownBy(() -> ca.signIntermediate(request(KeyType.EC_P256.generate(), Duration.ofDays(7))))
                .isInstanceOfSatisfying(VaultCallException.class, e -> assertThat(e.status()).isEqualTo(400))
                .hasMessageContaining("refused POST /v1/auth/approle/login (400: invalid role or secret ID)")
                .hasMessageNotContaining("not-the-secret")
                .hasMessageNotContaining(ROLE_ID);
    }

    @Test
    void anUnreachableVaultIsNamedInTheError() {
        URI address = vault.address();
        vault.close();
        VaultSettings settings = new VaultSettings(address, "pki-acme", NAMESPACE,
                tokenSettings("hvs.unused", true).auth(), true, Duration.ofSeconds(2), null);
        VaultPkiCertificateAuthority ca = new VaultPkiCertificateAuthority(settings, clock);

        assertThatThrownBy(() -> ca.signIntermediate(request(KeyType.EC_P256.generate(), Duration.ofDays(7))))
                .isInstanceOfSatisfying(VaultCallException.class, e -> assertThat(e.status()).isZero())
                .hasMessageStartingWith("Vault at " + address + " is unreachable for POST /v1/pki-acme/root/sign-intermediate")
                .hasMessageContaining("fedmesh.trust.vault.address");
    }

    @Test
    void aVaultOlderThan119ThatDropsTheNameConstraintIsCaught() {
        vault.behaveAsVaultBefore119();
        VaultPkiCertificateAuthority ca = new VaultPkiCertificateAuthority(tokenSettings(vault.tokenWithPolicy(), true), clock);

        assertThatThrownBy(() -> ca.signIntermediate(request(KeyType.EC_P256.generate(), Duration.ofDays(7))))
                .isInstanceOf(CertificateAuthorityException.class)
                .hasMessageContaining("Vault before 1.19 ignores permitted_uri_domains")
                .hasMessageContaining("fedmesh.trust.vault.permit-uri-domains=false");
    }

    @Test
    void withoutNameConstraintsTheParameterIsNotSentAndTheCaSaysSo() throws Exception {
        vault.behaveAsVaultBefore119();
        VaultPkiCertificateAuthority ca = new VaultPkiCertificateAuthority(tokenSettings(vault.tokenWithPolicy(), false), clock);

        SignedIntermediate signed = ca.signIntermediate(request(KeyType.EC_P256.generate(), Duration.ofDays(7)));

        assertThat(signed.certificate().getCriticalExtensionOIDs()).doesNotContain("2.5.29.30");
        assertThat(vault.lastSignParameters().names()).doesNotContain("permitted_uri_domains");
        assertThat(ca.constrainsNames()).isFalse();
    }

    @Test
    void theRootsAreEverySelfSignedIssuerOfTheMountDuringARotationToo() {
        VaultPkiCertificateAuthority ca = new VaultPkiCertificateAuthority(tokenSettings(vault.tokenWithPolicy(), true), clock);
        X509Certificate first = vault.defaultRoot();
        X509Certificate second = vault.addRoot();

        List<X509Certificate> roots = ca.roots(ACME);

        assertThat(roots).containsExactlyInAnyOrder(first, second);
        assertThat(vault.calls()).first().isEqualTo("LIST /v1/pki-acme/issuers");
        assertThat(vault.calls()).filteredOn(call -> call.matches("GET /v1/pki-acme/issuer/[0-9a-f-]+/json")).hasSize(2);
    }

    @Test
    void aRotationCreatesARootIssuerWithTheDocumentedParametersThatSignsNothingUntilNamed() throws Exception {
        VaultPkiCertificateAuthority ca = new VaultPkiCertificateAuthority(tokenSettings(vault.tokenWithPolicy(), true), clock);
        X509Certificate old = vault.defaultRoot();

        X509Certificate created = ca.createRoot(ACME);

        assertThat(vault.calls()).containsExactly("POST /v1/pki-acme/issuers/generate/root/internal");
        JsonObject sent = vault.lastGenerateRootParameters();
        assertThat(sent.names()).containsExactlyInAnyOrder("common_name", "exclude_cn_from_sans", "uri_sans", "ttl",
                "key_type", "key_bits", "issuer_name", "format");
        assertThat(sent.get("uri_sans").asString()).isEqualTo("spiffe://acme.fedmesh.dev");
        assertThat(sent.get("ttl").asString()).isEqualTo("315360000s");
        assertThat(sent.get("key_type").asString()).isEqualTo("ec");
        assertThat(sent.get("key_bits").asInt()).isEqualTo(256);
        assertThat(sent.get("issuer_name").asString()).matches("fedmesh-acme-fedmesh-dev-\\d{8}-\\d{6}-\\d{3}");
        assertThat(vault.issuerName(vault.issuerId(created))).isEqualTo(sent.get("issuer_name").asString());
        assertThat(RootCertificate.isRoot(created)).isTrue();
        assertThat(CertificateUris.of(created)).containsExactly("spiffe://acme.fedmesh.dev");
        assertThat(KeyType.of(created.getPublicKey())).contains(KeyType.EC_P256);
        assertThat(created.getSubjectX500Principal()).isNotEqualTo(old.getSubjectX500Principal());
        assertThat(ca.roots(ACME)).containsExactlyInAnyOrder(old, created);
        SignedIntermediate unnamed = ca.signIntermediate(request(KeyType.EC_P256.generate(), Duration.ofDays(7)));
        unnamed.certificate().verify(old.getPublicKey());
        assertThat(vault.defaultRoot()).isEqualTo(old);
    }

    @Test
    void aRequestNamingTheNewRootIsSignedByThatRootsIssuer() throws Exception {
        VaultPkiCertificateAuthority ca = new VaultPkiCertificateAuthority(tokenSettings(vault.tokenWithPolicy(), true), clock);
        X509Certificate created = ca.createRoot(ACME);
        KeyPair keys = KeyType.EC_P256.generate();

        SignedIntermediate signed = ca.signIntermediate(request(keys, Duration.ofDays(7))
                .underRoot(CertificateFingerprint.sha256Hex(created)));

        signed.certificate().verify(created.getPublicKey());
        assertThat(signed.chain()).containsExactly(signed.certificate(), created);
        assertThat(signed.certificate().getPublicKey()).isEqualTo(keys.getPublic());
        assertThat(CertificateUris.of(signed.certificate())).containsExactly("spiffe://acme.fedmesh.dev");
        assertThat(signed.certificate().getCriticalExtensionOIDs()).contains("2.5.29.30");
        assertThat(vault.lastSignParameters().get("permitted_uri_domains").asString()).isEqualTo("acme.fedmesh.dev");
        assertThat(vault.calls()).containsExactly("POST /v1/pki-acme/issuers/generate/root/internal",
                "POST /v1/pki-acme/issuer/" + vault.issuerId(created) + "/sign-intermediate");
    }

    @Test
    void aRootMadeInVaultDirectlyIsFoundThroughTheIssuersListOnceAndThenRemembered() throws Exception {
        VaultPkiCertificateAuthority ca = new VaultPkiCertificateAuthority(tokenSettings(vault.tokenWithPolicy(), true), clock);
        X509Certificate other = vault.addRoot();
        String otherSha256 = CertificateFingerprint.sha256Hex(other);

        ca.signIntermediate(request(KeyType.EC_P256.generate(), Duration.ofDays(7)).underRoot(otherSha256))
                .certificate().verify(other.getPublicKey());
        ca.signIntermediate(request(KeyType.EC_P256.generate(), Duration.ofDays(7)).underRoot(otherSha256));

        String sign = "POST /v1/pki-acme/issuer/" + vault.issuerId(other) + "/sign-intermediate";
        assertThat(vault.calls()).containsExactly("LIST /v1/pki-acme/issuers",
                "GET /v1/pki-acme/issuer/" + vault.issuerId(vault.defaultRoot()) + "/json",
                "GET /v1/pki-acme/issuer/" + vault.issuerId(other) + "/json", "GET /v1/pki-acme/issuer/default/json",
                sign, sign);
    }

    @Test
    void aRequestNamingTheDefaultIssuersRootKeepsTodaysCallSoThePolicyFromBeforeRotationStillWorks() throws Exception {
        VaultPkiCertificateAuthority ca = new VaultPkiCertificateAuthority(
                tokenSettings(vault.tokenWithoutRotationPolicy(), true), clock);
        X509Certificate old = vault.defaultRoot();
        vault.addRoot();

        SignedIntermediate signed = ca.signIntermediate(request(KeyType.EC_P256.generate(), Duration.ofDays(7))
                .underRoot(CertificateFingerprint.sha256Hex(old)));

        signed.certificate().verify(old.getPublicKey());
        assertThat(vault.calls()).last().isEqualTo("POST /v1/pki-acme/root/sign-intermediate");
    }

    @Test
    void aMountWithTheChainToAnOwnRootImportedSignsUnderThatRootAtItsDefaultIssuer() throws Exception {
        X509Certificate ownRoot = vault.defaultRoot();
        X509Certificate vaultIntermediate = vault.useIntermediateAsDefault();
        VaultPkiCertificateAuthority ca = new VaultPkiCertificateAuthority(tokenSettings(vault.tokenWithPolicy(), true), clock);

        SignedIntermediate signed = ca.signIntermediate(request(KeyType.EC_P256.generate(), Duration.ofDays(7))
                .underRoot(CertificateFingerprint.sha256Hex(ownRoot)));

        signed.certificate().verify(vaultIntermediate.getPublicKey());
        assertThat(signed.chain()).containsExactly(signed.certificate(), vaultIntermediate, ownRoot);
        assertThat(ca.roots(ACME)).containsExactly(ownRoot);
        assertThat(vault.calls()).filteredOn(call -> call.startsWith("POST"))
                .containsExactly("POST /v1/pki-acme/root/sign-intermediate");
    }

    @Test
    void whenTheDefaultIssuerChangedUnderARequestTheIntermediateIsRefusedAndTheIssuersReadAgain() throws Exception {
        VaultPkiCertificateAuthority ca = new VaultPkiCertificateAuthority(tokenSettings(vault.tokenWithPolicy(), true), clock);
        X509Certificate old = vault.defaultRoot();
        String oldSha256 = CertificateFingerprint.sha256Hex(old);
        ca.signIntermediate(request(KeyType.EC_P256.generate(), Duration.ofDays(7)).underRoot(oldSha256));
        vault.useIntermediateAsDefault();
        X509Certificate other = vault.addRoot();
        vault.makeDefault(other);

        assertThatThrownBy(() -> ca.signIntermediate(request(KeyType.EC_P256.generate(), Duration.ofDays(7)).underRoot(oldSha256)))
                .isInstanceOf(CertificateAuthorityException.class)
                .hasMessageContaining("does not chain to root " + oldSha256)
                .hasMessageContaining("the next request reads them again");
        SignedIntermediate again = ca.signIntermediate(request(KeyType.EC_P256.generate(), Duration.ofDays(7)).underRoot(oldSha256));

        again.certificate().verify(old.getPublicKey());
        assertThat(vault.calls()).last().isEqualTo("POST /v1/pki-acme/issuer/" + vault.issuerId(old) + "/sign-intermediate");
    }

    @Test
    void aRootTheMountDoesNotHoldIsRefusedWithoutASigningCall() {
        VaultPkiCertificateAuthority ca = new VaultPkiCertificateAuthority(tokenSettings(vault.tokenWithPolicy(), true), clock);
        String unknown = "ab".repeat(32);

        assertThatThrownBy(() -> ca.signIntermediate(request(KeyType.EC_P256.generate(), Duration.ofDays(7)).underRoot(unknown)))
                .isInstanceOf(CertificateAuthorityException.class)
                .hasMessageContaining("holds no root issuer with SHA-256 " + unknown + " on mount pki-acme")
                .hasMessageContaining(CertificateFingerprint.sha256Hex(vault.defaultRoot()))
                .hasMessageContaining("create the root first");
        assertThat(vault.calls()).noneMatch(call -> call.contains("sign-intermediate"));
    }

    @Test
    void aTokenWhosePolicyLacksTheRotationPathsIsDeniedNamingThePathAndStillSignsUnderTheDefaultRoot() throws Exception {
        String token = vault.tokenWithoutRotationPolicy();
        VaultPkiCertificateAuthority ca = new VaultPkiCertificateAuthority(tokenSettings(token, true), clock);

        assertThatThrownBy(() -> ca.createRoot(ACME))
                .isInstanceOfSatisfying(VaultCallException.class, e -> assertThat(e.status()).isEqualTo(403))
                .hasMessageContaining("denied POST /v1/pki-acme/issuers/generate/root/internal")
                .hasMessageContaining("\"Vault policy\" of docs/trust.md")
                .hasMessageNotContaining(token);
        X509Certificate other = vault.addRoot();
        assertThatThrownBy(() -> ca.signIntermediate(request(KeyType.EC_P256.generate(), Duration.ofDays(7))
                .underRoot(CertificateFingerprint.sha256Hex(other))))
                .isInstanceOfSatisfying(VaultCallException.class, e -> assertThat(e.status()).isEqualTo(403))
                .hasMessageContaining("denied POST /v1/pki-acme/issuer/" + vault.issuerId(other) + "/sign-intermediate");
        ca.signIntermediate(request(KeyType.EC_P256.generate(), Duration.ofDays(7))).certificate()
                .verify(vault.defaultRoot().getPublicKey());
    }

    @Test
    void aMountWithoutTheMultiIssuerApiSaysWhatRootRotationNeeds() {
        VaultSettings base = tokenSettings(vault.tokenWithPolicy(), true);
        VaultPkiCertificateAuthority ca = new VaultPkiCertificateAuthority(new VaultSettings(base.address(), "pki-legacy",
                NAMESPACE, base.auth(), true, base.timeout(), null), clock);

        assertThatThrownBy(() -> ca.createRoot(ACME))
                .isInstanceOfSatisfying(VaultCallException.class, e -> assertThat(e.status()).isEqualTo(404))
                .hasMessageContaining("POST /v1/pki-legacy/issuers/generate/root/internal")
                .hasMessageContaining("fedmesh.trust.vault.pki-mount")
                .hasMessageEndingWith("if the mount is right, root rotation needs the multi-issuer PKI API of Vault 1.11 or later");
    }

    @Test
    void theRootTtlAndKeyTypeComeFromTheSettings() {
        VaultSettings base = tokenSettings(vault.tokenWithPolicy(), true);
        VaultSettings settings = new VaultSettings(base.address(), base.pkiMount(), base.namespace(), base.auth(), true,
                base.timeout(), null, Duration.ofDays(365), KeyType.EC_P384);
        VaultPkiCertificateAuthority ca = new VaultPkiCertificateAuthority(settings, clock);

        X509Certificate created = ca.createRoot(ACME);

        assertThat(vault.lastGenerateRootParameters().get("ttl").asString()).isEqualTo("31536000s");
        assertThat(vault.lastGenerateRootParameters().get("key_bits").asInt()).isEqualTo(384);
        assertThat(KeyType.of(created.getPublicKey())).contains(KeyType.EC_P384);
    }

    @Test
    void overTlsVaultIsTrustedThroughTheConfiguredCaFileAndRefusedWithoutIt() throws Exception {
        try (VaultPkiDouble tlsVault = VaultPkiDouble.startWithTls("pki-acme", NAMESPACE)) {
            Path tokenFile = Files.writeString(dir.resolve("tls-token"), tlsVault.tokenWithPolicy());
            Path caFile = Files.writeString(dir.resolve("vault-ca.pem"), tlsVault.tlsCaPem());
            VaultAuth auth = new VaultAuth.TokenFile(tokenFile);
            VaultPkiCertificateAuthority trusting = new VaultPkiCertificateAuthority(
                    new VaultSettings(tlsVault.address(), "pki-acme", NAMESPACE, auth, true, Duration.ofSeconds(5), caFile), clock);
            VaultPkiCertificateAuthority notTrusting = new VaultPkiCertificateAuthority(
                    new VaultSettings(tlsVault.address(), "pki-acme", NAMESPACE, auth, true, Duration.ofSeconds(5), null), clock);

            SignedIntermediate signed = trusting.signIntermediate(request(KeyType.EC_P256.generate(), Duration.ofDays(7)));

            assertThat(CertificateUris.of(signed.certificate())).containsExactly("spiffe://acme.fedmesh.dev");
            assertThatThrownBy(() -> notTrusting.signIntermediate(request(KeyType.EC_P256.generate(), Duration.ofDays(7))))
                    .isInstanceOfSatisfying(VaultCallException.class, e -> assertThat(e.status()).isZero())
                    .hasMessageContaining("presents a TLS certificate this control plane does not trust")
                    .hasMessageContaining("fedmesh.trust.vault.tls.ca-file");
        }
    }

    @Test
    void settingsNeverPrintTheirSecrets() {
        VaultSettings settings = appRoleSettings();

        assertThat(settings.toString()).doesNotContain(ROLE_ID).doesNotContain(SECRET_ID);
        assertThat(new VaultPkiCertificateAuthority(settings, clock).toString()).doesNotContain(ROLE_ID);
    }

    private IntermediateSigningRequest request(KeyPair keys, Duration ttl) {
        return new IntermediateSigningRequest(ACME,
                CertificateRequest.create(keys, "east", List.of(ACME.id().toUri()), true), ttl, 0);
    }

    private VaultSettings tokenSettings(String token, boolean permitUriDomains) {
        Path file = dir.resolve("vault-token-" + Math.abs(token.hashCode()));
        try {
            Files.writeString(file, token + "\n");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return new VaultSettings(vault.address(), "pki-acme", NAMESPACE, new VaultAuth.TokenFile(file), permitUriDomains,
                Duration.ofSeconds(5), null);
    }

    private VaultSettings appRoleSettings() {
        Path secretIdFile = dir.resolve("approle-secret-id");
        try {
            Files.writeString(secretIdFile, SECRET_ID + "\n");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return new VaultSettings(vault.address(), "pki-acme", NAMESPACE, new VaultAuth.AppRole("approle", ROLE_ID, secretIdFile),
                true, Duration.ofSeconds(5), null);
    }
}

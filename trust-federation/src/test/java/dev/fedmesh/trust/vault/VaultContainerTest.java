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
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.vault.VaultContainer;

/**
 * The Vault PKI back end against a real Vault 1.19 in a container, set up as docs/trust.md tells an
 * operator to, with the documented policy: intermediates with a token and with AppRole, then a root
 * rotation (a new root issuer, signing under it by name); runs only where a Docker engine answers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@EnabledIf(value = "dev.fedmesh.trust.vault.DockerEngine#answers", disabledReason = "no Docker engine answers (no"
        + " DOCKER_HOST, no docker socket): real Vault is not run here; VaultPkiCertificateAuthorityTest covers the same"
        + " calls against VaultPkiDouble")
class VaultContainerTest {

    private static final String ROOT_TOKEN = "fedmesh-test-root";
    private static final TrustDomain ACME = TrustDomain.of("acme.fedmesh.dev");

    @TempDir
    Path dir;

    private VaultContainer<?> vault;

    @BeforeAll
    void startVault() throws Exception {
        vault = new VaultContainer<>("hashicorp/vault:1.19")
                .withVaultToken(ROOT_TOKEN)
                .withCopyToContainer(Transferable.of(policy()), "/tmp/fedmesh-trust.hcl")
                .withInitCommand(
                        "secrets enable pki",
                        "secrets tune -max-lease-ttl=87600h pki",
                        "write pki/root/generate/internal common_name=acme-root uri_sans=spiffe://acme.fedmesh.dev ttl=87600h",
                        "policy write fedmesh-trust /tmp/fedmesh-trust.hcl",
                        "auth enable approle",
                        "write auth/approle/role/fedmesh token_policies=fedmesh-trust token_ttl=1h token_max_ttl=4h");
        vault.start();
    }

    @AfterAll
    void stopVault() {
        if (vault != null) {
            vault.stop();
        }
    }

    @Test
    @Order(1)
    void aTokenWithTheDocumentedPolicyGetsAConstrainedIntermediate() throws Exception {
        String token = vaultCli("token create -policy=fedmesh-trust -field=token");
        Path tokenFile = Files.writeString(dir.resolve("token"), token);
        VaultPkiCertificateAuthority ca = new VaultPkiCertificateAuthority(new VaultSettings(address(), "pki", null,
                new VaultAuth.TokenFile(tokenFile), true, Duration.ofSeconds(10), null), Clock.systemUTC());
        KeyPair keys = KeyType.EC_P256.generate();

        SignedIntermediate signed = ca.signIntermediate(new IntermediateSigningRequest(ACME,
                CertificateRequest.create(keys, "east", List.of(ACME.id().toUri()), true), Duration.ofDays(7), 0));

        List<X509Certificate> roots = ca.roots(ACME);
        assertThat(roots).hasSize(1);
        signed.certificate().verify(roots.get(0).getPublicKey());
        assertThat(CertificateUris.of(signed.certificate())).containsExactly("spiffe://acme.fedmesh.dev");
        assertThat(signed.certificate().getBasicConstraints()).isZero();
        assertThat(signed.certificate().getCriticalExtensionOIDs()).contains("2.5.29.30");
    }

    @Test
    @Order(2)
    void appRoleWithTheDocumentedPolicyGetsAnIntermediate() throws Exception {
        String roleId = vaultCli("read -field=role_id auth/approle/role/fedmesh/role-id");
        Path secretIdFile = Files.writeString(dir.resolve("secret-id"),
                vaultCli("write -f -field=secret_id auth/approle/role/fedmesh/secret-id"));
        VaultPkiCertificateAuthority ca = new VaultPkiCertificateAuthority(new VaultSettings(address(), "pki", null,
                new VaultAuth.AppRole("approle", roleId, secretIdFile), true, Duration.ofSeconds(10), null), Clock.systemUTC());

        SignedIntermediate signed = ca.signIntermediate(new IntermediateSigningRequest(ACME,
                CertificateRequest.create(KeyType.EC_P256.generate(), "east", List.of(ACME.id().toUri()), true),
                Duration.ofDays(7), 0));

        assertThat(CertificateUris.of(signed.certificate())).containsExactly("spiffe://acme.fedmesh.dev");
    }

    /** Last: it leaves a second root on the mount. */
    @Test
    @Order(3)
    void aRotationWithTheDocumentedPolicyMakesANewRootThatSignsOnlyWhenNamed() throws Exception {
        String token = vaultCli("token create -policy=fedmesh-trust -field=token");
        Path tokenFile = Files.writeString(dir.resolve("rotation-token"), token);
        VaultPkiCertificateAuthority ca = new VaultPkiCertificateAuthority(new VaultSettings(address(), "pki", null,
                new VaultAuth.TokenFile(tokenFile), true, Duration.ofSeconds(10), null), Clock.systemUTC());
        X509Certificate old = ca.roots(ACME).get(0);

        X509Certificate created = ca.createRoot(ACME);

        assertThat(ca.roots(ACME)).containsExactlyInAnyOrder(old, created);
        assertThat(CertificateUris.of(created)).containsExactly("spiffe://acme.fedmesh.dev");
        assertThat(KeyType.of(created.getPublicKey())).contains(KeyType.EC_P256);
        SignedIntermediate underNew = ca.signIntermediate(request().underRoot(CertificateFingerprint.sha256Hex(created)));
        underNew.certificate().verify(created.getPublicKey());
        assertThat(underNew.certificate().getCriticalExtensionOIDs()).contains("2.5.29.30");
        ca.signIntermediate(request()).certificate().verify(old.getPublicKey());
        VaultPkiCertificateAuthority restarted = new VaultPkiCertificateAuthority(new VaultSettings(address(), "pki", null,
                new VaultAuth.TokenFile(tokenFile), true, Duration.ofSeconds(10), null), Clock.systemUTC());
        restarted.signIntermediate(request().underRoot(CertificateFingerprint.sha256Hex(created))).certificate()
                .verify(created.getPublicKey());
        String unknown = "00".repeat(32);
        assertThatThrownBy(() -> restarted.signIntermediate(request().underRoot(unknown)))
                .isInstanceOf(CertificateAuthorityException.class)
                .hasMessageContaining(unknown);
    }

    private static IntermediateSigningRequest request() {
        return new IntermediateSigningRequest(ACME,
                CertificateRequest.create(KeyType.EC_P256.generate(), "east", List.of(ACME.id().toUri()), true),
                Duration.ofDays(7), 0);
    }

    private URI address() {
        return URI.create("http://" + vault.getHost() + ":" + vault.getMappedPort(8200));
    }

    private String vaultCli(String arguments) throws IOException, InterruptedException {
        var result = vault.execInContainer("sh", "-c",
                "VAULT_ADDR=http://127.0.0.1:8200 VAULT_TOKEN=" + ROOT_TOKEN + " vault " + arguments);
        assertThat(result.getExitCode()).as(result.getStderr()).isZero();
        return result.getStdout().strip();
    }

    private static String policy() throws IOException {
        try (InputStream in = VaultContainerTest.class.getResourceAsStream("/vault/fedmesh-trust.hcl")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}

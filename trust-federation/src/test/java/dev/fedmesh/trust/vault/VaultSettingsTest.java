package dev.fedmesh.trust.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fedmesh.trust.x509.KeyType;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VaultSettingsTest {

    @Test
    void appRoleSettingsAreReadFromTheirPropertiesWithDefaults() {
        VaultSettings settings = VaultSettings.fromProperties(Map.of(
                "fedmesh.trust.vault.address", "https://vault.example.com:8200/",
                "fedmesh.trust.vault.namespace", "mesh",
                "fedmesh.trust.vault.auth.method", "approle",
                "fedmesh.trust.vault.auth.approle.role-id", "5f1e-role",
                "fedmesh.trust.vault.auth.approle.secret-id-file", "/run/secrets/vault-secret-id",
                "fedmesh.trust.vault.tls.ca-file", "/etc/fedmesh/vault-ca.pem"));

        assertThat(settings.address()).isEqualTo(URI.create("https://vault.example.com:8200/"));
        assertThat(settings.baseAddress()).isEqualTo("https://vault.example.com:8200");
        assertThat(settings.pkiMount()).isEqualTo("pki");
        assertThat(settings.namespace()).isEqualTo("mesh");
        assertThat(settings.auth()).isEqualTo(new VaultAuth.AppRole("approle", "5f1e-role", Path.of("/run/secrets/vault-secret-id")));
        assertThat(settings.permitUriDomains()).isTrue();
        assertThat(settings.timeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(settings.tlsCaFile()).isEqualTo(Path.of("/etc/fedmesh/vault-ca.pem"));
        assertThat(settings.rootTtl()).isEqualTo(Duration.ofDays(3650));
        assertThat(settings.rootKeyType()).isEqualTo(KeyType.EC_P256);
    }

    @Test
    void theRootsARotationMakesTakeTheirTtlAndKeyTypeFromProperties() {
        VaultSettings settings = VaultSettings.fromProperties(Map.of("fedmesh.trust.vault.address", "https://vault:8200",
                "fedmesh.trust.vault.auth.token-file", "/t", "fedmesh.trust.vault.root-ttl", "P1825D",
                "fedmesh.trust.vault.root-key-type", "rsa-2048"));

        assertThat(settings.rootTtl()).isEqualTo(Duration.ofDays(1825));
        assertThat(settings.rootKeyType()).isEqualTo(KeyType.RSA);
    }

    @Test
    void anUnknownRootKeyTypeNamesTheOnesThereAre() {
        assertThatThrownBy(() -> VaultSettings.fromProperties(Map.of("fedmesh.trust.vault.address", "https://vault:8200",
                "fedmesh.trust.vault.auth.token-file", "/t", "fedmesh.trust.vault.root-key-type", "ed25519")))
                .hasMessage("fedmesh.trust.vault.root-key-type is \"ed25519\": use ec-p256 (the default), ec-p384 or rsa-2048");
    }

    @Test
    void aRootTtlThatIsNotADurationOrTooShortIsRefused() {
        assertThatThrownBy(() -> VaultSettings.fromProperties(Map.of("fedmesh.trust.vault.address", "https://vault:8200",
                "fedmesh.trust.vault.auth.token-file", "/t", "fedmesh.trust.vault.root-ttl", "10y")))
                .hasMessage("fedmesh.trust.vault.root-ttl is \"10y\": use an ISO-8601 duration such as P3650D");
        assertThatThrownBy(() -> VaultSettings.fromProperties(Map.of("fedmesh.trust.vault.address", "https://vault:8200",
                "fedmesh.trust.vault.auth.token-file", "/t", "fedmesh.trust.vault.root-ttl", "PT1H")))
                .hasMessageStartingWith("fedmesh.trust.vault.root-ttl is PT1H: a root must live at least a day");
    }

    @Test
    void tokenAuthNeedsItsTokenFile() {
        assertThatThrownBy(() -> VaultSettings.fromProperties(Map.of("fedmesh.trust.vault.address", "https://vault:8200")))
                .hasMessage("fedmesh.trust.vault.auth.token-file is not set: see \"Configuration\" in docs/trust.md");
    }

    @Test
    void anAddressWithoutSchemeIsRefusedWithAnExample() {
        assertThatThrownBy(() -> VaultSettings.fromProperties(Map.of("fedmesh.trust.vault.address", "vault:8200",
                "fedmesh.trust.vault.auth.token-file", "/t")))
                .hasMessage("fedmesh.trust.vault.address is \"vault:8200\": give Vault's base URL, e.g."
                        + " https://vault.example.com:8200");
    }

    @Test
    void anUnknownAuthMethodNamesTheOnesThereAre() {
        assertThatThrownBy(() -> VaultSettings.fromProperties(Map.of("fedmesh.trust.vault.address", "https://vault:8200",
                "fedmesh.trust.vault.auth.method", "kubernetes")))
                .hasMessageStartingWith("fedmesh.trust.vault.auth.method is \"kubernetes\": use token");
    }
}

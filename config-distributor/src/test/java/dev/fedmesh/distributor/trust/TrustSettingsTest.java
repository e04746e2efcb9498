package dev.fedmesh.distributor.trust;

import dev.fedmesh.trust.vault.VaultAuth;
import dev.fedmesh.trust.x509.KeyType;
import io.micronaut.context.ApplicationContext;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TrustSettingsTest {

    @Test
    void withoutVaultTheBuiltInCaIssuesThirtyDayIntermediatesAndCredentialsLastAWeek() {
        TrustSettings settings = read(Map.of());

        assertThat(settings.vault()).isEmpty();
        assertThat(settings.builtInCaDirectory()).isEqualTo(TrustSettings.DEFAULT_BUILT_IN_CA_DIRECTORY);
        assertThat(settings.terms().ttl()).isEqualTo(Duration.ofDays(30));
        assertThat(settings.terms().maxPathLength()).isZero();
        assertThat(settings.bootstrapCredentialLifetime()).isEqualTo(Duration.ofDays(7));
        assertThat(settings.rotationSettle()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void everyTrustPropertyIsRead() {
        TrustSettings settings = read(Map.of(
                "fedmesh.trust.builtin-ca.directory", "/var/lib/fedmesh/ca",
                "fedmesh.trust.intermediate.ttl", "P10D",
                "fedmesh.trust.intermediate.max-path-length", "1",
                "fedmesh.trust.bootstrap-credential-lifetime", "PT12H",
                "fedmesh.trust.root-rotation.settle", "PT5S"));

        assertThat(settings.builtInCaDirectory()).isEqualTo(Path.of("/var/lib/fedmesh/ca"));
        assertThat(settings.terms().ttl()).isEqualTo(Duration.ofDays(10));
        assertThat(settings.terms().maxPathLength()).isEqualTo(1);
        assertThat(settings.bootstrapCredentialLifetime()).isEqualTo(Duration.ofHours(12));
        assertThat(settings.rotationSettle()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void aVaultAddressChoosesVaultWithItsAuth() {
        TrustSettings settings = read(Map.of(
                "fedmesh.trust.vault.address", "https://vault.example.com:8200",
                "fedmesh.trust.vault.auth.token-file", "/run/secrets/vault-token"));

        assertThat(settings.vault()).hasValueSatisfying(vault -> {
            assertThat(vault.address().toString()).startsWith("https://vault.example.com:8200");
            assertThat(vault.auth()).isInstanceOf(VaultAuth.TokenFile.class);
        });
    }

    @Test
    void theRootsAVaultRotationMakesAreConfigured() {
        TrustSettings settings = read(Map.of(
                "fedmesh.trust.vault.address", "https://vault.example.com:8200",
                "fedmesh.trust.vault.auth.token-file", "/run/secrets/vault-token",
                "fedmesh.trust.vault.root-ttl", "P730D",
                "fedmesh.trust.vault.root-key-type", "ec-p384"));

        assertThat(settings.vault()).hasValueSatisfying(vault -> {
            assertThat(vault.rootTtl()).isEqualTo(Duration.ofDays(730));
            assertThat(vault.rootKeyType()).isEqualTo(KeyType.EC_P384);
        });
    }

    @Test
    void aNegativeSettleTimeIsRefusedNamingTheProperty() {
        assertThatThrownBy(() -> read(Map.of("fedmesh.trust.root-rotation.settle", "-PT1S")))
                .hasMessageContaining("fedmesh.trust.root-rotation.settle");
    }

    @Test
    void aValueThatIsNoDurationIsRefusedNamingThePropertyRatherThanReplacedByTheDefault() {
        assertThatThrownBy(() -> read(Map.of("fedmesh.trust.intermediate.ttl", "thirty days")))
                .hasMessageContaining("fedmesh.trust.intermediate.ttl").hasMessageContaining("thirty days");
    }

    @Test
    void aZeroCredentialLifetimeIsRefusedNamingTheProperty() {
        assertThatThrownBy(() -> read(Map.of("fedmesh.trust.bootstrap-credential-lifetime", "PT0S")))
                .hasMessageContaining("fedmesh.trust.bootstrap-credential-lifetime");
    }

    private static TrustSettings read(Map<String, Object> properties) {
        try (ApplicationContext context = ApplicationContext.builder().deduceEnvironment(false).properties(properties).start()) {
            return TrustSettings.from(context.getEnvironment());
        }
    }
}

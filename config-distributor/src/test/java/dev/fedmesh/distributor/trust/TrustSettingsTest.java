package dev.fedmesh.distributor.trust;

import dev.fedmesh.trust.vault.VaultAuth;
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
    }

    @Test
    void everyTrustPropertyIsRead() {
        TrustSettings settings = read(Map.of(
                "fedmesh.trust.builtin-ca.directory", "/var/lib/fedmesh/ca",
                "fedmesh.trust.intermediate.ttl", "P10D",
                "fedmesh.trust.intermediate.max-path-length", "1",
                "fedmesh.trust.bootstrap-credential-lifetime", "PT12H"));

        assertThat(settings.builtInCaDirectory()).isEqualTo(Path.of("/var/lib/fedmesh/ca"));
        assertThat(settings.terms().ttl()).isEqualTo(Duration.ofDays(10));
        assertThat(settings.terms().maxPathLength()).isEqualTo(1);
        assertThat(settings.bootstrapCredentialLifetime()).isEqualTo(Duration.ofHours(12));
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

package dev.fedmesh.distributor.access;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AgentCredentialsTest {

    private static final String SECRET = "0123456789abcdef0123456789abcdef-secret";

    @Test
    void thePasswordIsTheBase64urlHmacOfTenantAndCluster() {
        // Computed independently: base64url(HMAC-SHA256(secret, "kafka-agent/acme/east")) without padding.
        assertThat(AgentCredentials.fromSecret(SECRET).password("acme", "east"))
                .isEqualTo("Xr96qa_tacuK5XIXc5Wsl8ZfARH8g--DBWfncV_R1Yw");
    }

    @Test
    void everyAgentGetsItsOwnPasswordAndTheSameSecretAlwaysGivesTheSameOne() {
        AgentCredentials credentials = AgentCredentials.fromSecret(SECRET);

        assertThat(credentials.password("acme", "east")).isEqualTo(AgentCredentials.fromSecret(SECRET).password("acme", "east"))
                .isNotEqualTo(credentials.password("acme", "west"))
                .isNotEqualTo(credentials.password("globex", "east"))
                .isNotEqualTo(AgentCredentials.fromSecret(SECRET + "-rotated").password("acme", "east"));
    }

    @Test
    void aSecretFileEndingInANewlineGivesTheSamePasswords(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("secret"), SECRET + "\n");

        assertThat(AgentCredentials.read(file).password("acme", "east"))
                .isEqualTo(AgentCredentials.fromSecret(SECRET).password("acme", "east"));
    }

    @Test
    void aShortSecretIsRefusedWithoutShowingIt() {
        assertThatThrownBy(() -> AgentCredentials.fromSecret("short-secret"))
                .hasMessageContaining("at least 32")
                .hasMessageContaining("openssl rand -base64 48")
                .hasMessageNotContaining("short-secret");
    }

    @Test
    void theSecretNeverAppearsInText() {
        assertThat(AgentCredentials.fromSecret(SECRET).toString()).doesNotContain(SECRET);
    }
}

package dev.fedmesh.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fedmesh.agent.trust.TrustSettings;
import dev.fedmesh.trust.signing.ConfigSigningKey;
import io.micronaut.core.value.MapPropertyResolver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's bootstrap credential and SVID TTL settings: read at start, named in every error, never shown. */
class AgentTrustSettingsTest {

    @TempDir
    Path dir;
    private final Map<String, Object> properties = new HashMap<>();

    @BeforeEach
    void requiredSettings() throws IOException {
        Path verifyingKey = dir.resolve("config-verifying-key.pem");
        ConfigSigningKey.generate().writePublicKey(verifyingKey);
        properties.put("fedmesh.agent.tenant", "acme");
        properties.put("fedmesh.agent.cluster", "east");
        properties.put("fedmesh.agent.config-verifying-keys", verifyingKey.toString());
    }

    @Test
    void withoutABootstrapCredentialTheAgentDoesNotStartAndSaysWhereItComesFrom() {
        assertThatThrownBy(this::read)
                .isInstanceOf(InvalidAgentSettingsException.class)
                .hasMessageContaining("Missing setting fedmesh.agent.bootstrap-credential-file")
                .hasMessageContaining("'bootstrapCredential' of the answer that registered the cluster")
                .hasMessageContaining("FEDMESH_AGENT_BOOTSTRAP_CREDENTIAL_FILE");
    }

    @Test
    void svidsLastAnHourUnlessSaidOtherwise() throws IOException {
        properties.put("fedmesh.agent.bootstrap-credential-file",
                Files.writeString(dir.resolve("credential"), "fmb_east").toString());

        assertThat(read().trust().svidTtl()).isEqualTo(TrustSettings.DEFAULT.svidTtl()).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void theBootstrapCredentialIsReadFromItsFileAndNeverShown() throws IOException {
        Path file = Files.writeString(dir.resolve("bootstrap-credential"), "s3cret-bootstrap\n");
        properties.put("fedmesh.agent.bootstrap-credential-file", file.toString());
        properties.put("fedmesh.agent.svid-ttl", "PT10M");

        AgentSettings settings = read();

        assertThat(settings.trust().bootstrapCredential()).isPresent();
        assertThat(settings.trust().svidTtl()).isEqualTo(Duration.ofMinutes(10));
        assertThat(settings.toString()).doesNotContain("s3cret-bootstrap");
    }

    @Test
    void aBootstrapCredentialFileThatCannotBeReadStopsTheStartNamingTheSetting() {
        properties.put("fedmesh.agent.bootstrap-credential-file", dir.resolve("missing").toString());

        assertThatThrownBy(this::read)
                .isInstanceOf(InvalidAgentSettingsException.class)
                .hasMessageContaining("fedmesh.agent.bootstrap-credential-file")
                .hasMessageContaining("FEDMESH_AGENT_BOOTSTRAP_CREDENTIAL_FILE")
                .hasMessageContaining(dir.resolve("missing").toString());
    }

    @Test
    void anEmptyBootstrapCredentialFileStopsTheStartWithoutShowingAnything() throws IOException {
        Path file = Files.writeString(dir.resolve("empty"), "  \n");
        properties.put("fedmesh.agent.bootstrap-credential-file", file.toString());

        assertThatThrownBy(this::read)
                .isInstanceOf(InvalidAgentSettingsException.class)
                .hasMessageContaining("fedmesh.agent.bootstrap-credential-file")
                .hasMessageContaining("empty");
    }

    @Test
    void anSvidTtlThatIsNotAPositiveDurationIsRefusedNamingTheSetting() {
        properties.put("fedmesh.agent.svid-ttl", "1 hour");
        assertThatThrownBy(this::read).hasMessageContaining("fedmesh.agent.svid-ttl").hasMessageContaining("PT1H");

        properties.put("fedmesh.agent.svid-ttl", "PT0S");
        assertThatThrownBy(this::read).hasMessageContaining("fedmesh.agent.svid-ttl").hasMessageContaining("positive");
    }

    private AgentSettings read() {
        return AgentSettings.from(new MapPropertyResolver(properties));
    }
}

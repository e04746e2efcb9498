package dev.fedmesh.distributor;

import dev.fedmesh.trust.signing.ConfigSigningKey;
import io.micronaut.context.ApplicationContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DistributorSettingsTest {

    @TempDir
    Path dir;
    private Path keyFile;
    private ConfigSigningKey key;

    @BeforeEach
    void createSigningKey() throws IOException {
        keyFile = dir.resolve("config-signing-key.pem");
        key = ConfigSigningKey.generate();
        key.write(keyFile);
    }

    @Test
    void settingsComeFromConfigurationWithSafeDefaults() {
        try (ApplicationContext context = ApplicationContext.builder().deduceEnvironment(false).properties(Map.of(
                "fedmesh.distributor.db.url", "jdbc:postgresql://db:5432/fedmesh",
                "fedmesh.distributor.db.password", "s3cret",
                "fedmesh.distributor.kafka.bootstrap-servers", "kafka:9092",
                "fedmesh.distributor.poll-interval", "250ms",
                "fedmesh.distributor.signing-key-file", keyFile.toString())).start()) {
            DistributorSettings settings = DistributorSettings.from(context.getEnvironment());

            assertThat(settings.jdbcUrl()).isEqualTo("jdbc:postgresql://db:5432/fedmesh");
            assertThat(settings.pollInterval()).isEqualTo(Duration.ofMillis(250));
            assertThat(settings.topicPrefix()).isEqualTo("fedmesh");
            assertThat(settings.signingKey().keyId()).isEqualTo(key.keyId());
            assertThat(settings.toString()).doesNotContain("s3cret").contains("signingKeyId=" + key.keyId());
        }
    }

    @Test
    void emptySettingsAreNamedWithTheFix() {
        try (ApplicationContext context = ApplicationContext.builder().deduceEnvironment(false).properties(Map.of(
                "fedmesh.distributor.db.url", "",
                "fedmesh.distributor.kafka.bootstrap-servers", " ",
                "fedmesh.distributor.signing-key-file", keyFile.toString())).start()) {
            assertThatThrownBy(() -> DistributorSettings.from(context.getEnvironment()))
                    .hasMessageContaining("fedmesh.distributor.db.url")
                    .hasMessageContaining("fedmesh.distributor.kafka.bootstrap-servers")
                    .hasMessageContaining("FEDMESH_DISTRIBUTOR_DB_URL");
        }
    }

    @Test
    void withOnlyTheSigningKeyConfiguredALaptopsDefaultsApply() {
        try (ApplicationContext context = ApplicationContext.builder().deduceEnvironment(false).properties(Map.of(
                "fedmesh.distributor.signing-key-file", keyFile.toString())).start()) {
            DistributorSettings settings = DistributorSettings.from(context.getEnvironment());

            assertThat(settings.jdbcUrl()).isEqualTo("jdbc:postgresql://localhost:5432/fedmesh");
            assertThat(settings.kafkaBootstrapServers()).isEqualTo("localhost:9092");
            assertThat(settings.topicReplicationFactor()).isEqualTo((short) 1);
        }
    }

    @Test
    void withoutASigningKeyTheDistributorRefusesToStartAndSaysHowToCreateOne() {
        try (ApplicationContext context = ApplicationContext.builder().deduceEnvironment(false).start()) {
            assertThatThrownBy(() -> DistributorSettings.from(context.getEnvironment()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("fedmesh.distributor.signing-key-file is not set")
                    .hasMessageContaining("FEDMESH_DISTRIBUTOR_SIGNING_KEY_FILE")
                    .hasMessageContaining("dev.fedmesh.trust.signing.GenerateConfigSigningKey")
                    .hasMessageContaining("fedmesh.agent.config-verifying-keys");
        }
    }

    @Test
    void aSigningKeyFileThatIsNoKeyIsNamedWithTheProblem() throws IOException {
        Path notAKey = Files.writeString(dir.resolve("notes.txt"), "not a key");
        try (ApplicationContext context = ApplicationContext.builder().deduceEnvironment(false).properties(Map.of(
                "fedmesh.distributor.signing-key-file", notAKey.toString())).start()) {
            assertThatThrownBy(() -> DistributorSettings.from(context.getEnvironment()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("fedmesh.distributor.signing-key-file = '" + notAKey + "'")
                    .hasMessageContaining("PRIVATE KEY");
        }
    }

    @Test
    void thePrivateKeyNeverAppearsInTheSettingsText() throws IOException {
        String privateKeyLine = Files.readAllLines(keyFile).get(1);

        assertThat(DistributorSettings.local("jdbc:postgresql://db/fedmesh", "fedmesh", "pw", "kafka:9092", "fedmesh")
                .withSigningKey(key).toString())
                .doesNotContain(privateKeyLine)
                .contains("signingKeyId=" + key.keyId());
    }
}

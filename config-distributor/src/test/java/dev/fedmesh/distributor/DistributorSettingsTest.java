package dev.fedmesh.distributor;

import dev.fedmesh.api.KafkaClientSecurity;
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

    @Test
    void scramSettingsAreReadWithThePasswordFromItsFileAndNeverShown() throws IOException {
        Path password = Files.writeString(dir.resolve("kafka-password"), "kafka-s3cret\n");
        DistributorSettings settings = read(Map.of(
                "fedmesh.distributor.kafka.security-protocol", "SASL_PLAINTEXT",
                "fedmesh.distributor.kafka.sasl-mechanism", "SCRAM-SHA-256",
                "fedmesh.distributor.kafka.username", "fedmesh-distributor",
                "fedmesh.distributor.kafka.password-file", password.toString()));

        assertThat(settings.kafkaSecurity().protocol()).isEqualTo(KafkaClientSecurity.Protocol.SASL_PLAINTEXT);
        assertThat(settings.kafkaSecurity().mechanism()).isEqualTo(KafkaClientSecurity.Mechanism.SCRAM_SHA_256);
        assertThat(settings.kafkaSecurity().password()).isEqualTo("kafka-s3cret");
        assertThat(settings.provisionsAgentAccess()).isTrue();
        assertThat(settings.toString()).contains("SASL_PLAINTEXT SCRAM-SHA-256 as fedmesh-distributor")
                .doesNotContain("kafka-s3cret");
    }

    @Test
    void byDefaultKafkaIsPlaintextAndNoAgentAccessIsProvisioned() {
        DistributorSettings settings = read(Map.of());

        assertThat(settings.kafkaSecurity().protocol()).isEqualTo(KafkaClientSecurity.Protocol.PLAINTEXT);
        assertThat(settings.provisionsAgentAccess()).isFalse();
    }

    @Test
    void theLargestRecordIsAMegabyteUnlessSetAndAnUnusableValueIsNamedWithTheRange() {
        assertThat(read(Map.of()).maxRecordBytes()).isEqualTo(1_048_576);
        assertThat(read(Map.of("fedmesh.distributor.kafka.max-record-bytes", "4194304")).maxRecordBytes())
                .isEqualTo(4_194_304);
        assertThatThrownBy(() -> read(Map.of("fedmesh.distributor.kafka.max-record-bytes", "4MB")))
                .hasMessageContaining("fedmesh.distributor.kafka.max-record-bytes is '4MB'")
                .hasMessageContaining("FEDMESH_DISTRIBUTOR_KAFKA_MAX_RECORD_BYTES");
        assertThatThrownBy(() -> read(Map.of("fedmesh.distributor.kafka.max-record-bytes", "1000")))
                .hasMessageContaining("fedmesh.distributor.kafka.max-record-bytes is 1000")
                .hasMessageContaining("from 16384 to 1073741824");
    }

    @Test
    void anUnknownSecurityProtocolIsNamedWithTheChoices() {
        assertThatThrownBy(() -> read(Map.of("fedmesh.distributor.kafka.security-protocol", "SSL_ONLY")))
                .hasMessageContaining("fedmesh.distributor.kafka.security-protocol = 'SSL_ONLY'")
                .hasMessageContaining("PLAINTEXT, SASL_PLAINTEXT or SASL_SSL")
                .hasMessageContaining("FEDMESH_DISTRIBUTOR_KAFKA_SECURITY_PROTOCOL");
    }

    @Test
    void aPasswordFileWithAPlaintextProtocolIsRefusedRatherThanIgnored() throws IOException {
        Path password = Files.writeString(dir.resolve("kafka-password"), "kafka-s3cret");

        assertThatThrownBy(() -> read(Map.of("fedmesh.distributor.kafka.password-file", password.toString())))
                .hasMessageContaining("fedmesh.distributor.kafka.password-file is set but")
                .hasMessageContaining("FEDMESH_DISTRIBUTOR_KAFKA_SECURITY_PROTOCOL=SASL_SSL");
    }

    @Test
    void saslWithoutAUsernameOrPasswordFileSaysWhichOneIsMissing() throws IOException {
        assertThatThrownBy(() -> read(Map.of("fedmesh.distributor.kafka.security-protocol", "SASL_PLAINTEXT")))
                .hasMessageContaining("fedmesh.distributor.kafka.username is not set");
        assertThatThrownBy(() -> read(Map.of("fedmesh.distributor.kafka.security-protocol", "SASL_PLAINTEXT",
                "fedmesh.distributor.kafka.username", "fedmesh-distributor")))
                .hasMessageContaining("fedmesh.distributor.kafka.password-file is not set")
                .hasMessageContaining("FEDMESH_DISTRIBUTOR_KAFKA_PASSWORD_FILE=");
        assertThatThrownBy(() -> read(Map.of("fedmesh.distributor.kafka.security-protocol", "SASL_PLAINTEXT",
                "fedmesh.distributor.kafka.username", "fedmesh-distributor",
                "fedmesh.distributor.kafka.password-file", dir.resolve("missing").toString())))
                .hasMessageContaining("fedmesh.distributor.kafka.password-file = '" + dir.resolve("missing") + "'")
                .hasMessageContaining("cannot be read");
    }

    @Test
    void theAgentCredentialSecretOfAnEarlierReleaseIsRefusedRatherThanIgnored() throws IOException {
        Path password = Files.writeString(dir.resolve("kafka-password"), "kafka-s3cret");
        Path secret = Files.writeString(dir.resolve("agent-credential-secret"), "0123456789abcdef0123456789abcdef-secret");

        assertThatThrownBy(() -> read(Map.of("fedmesh.distributor.kafka.security-protocol", "SASL_PLAINTEXT",
                "fedmesh.distributor.kafka.username", "fedmesh-distributor",
                "fedmesh.distributor.kafka.password-file", password.toString(),
                "fedmesh.distributor.kafka.agent-credential-secret-file", secret.toString())))
                .hasMessageContaining("fedmesh.distributor.kafka.agent-credential-secret-file is set but no longer used")
                .hasMessageContaining("bootstrap credential")
                .hasMessageContaining("FEDMESH_DISTRIBUTOR_KAFKA_AGENT_CREDENTIAL_SECRET_FILE")
                .hasMessageNotContaining("kafka-s3cret").hasMessageNotContaining("0123456789abcdef");
    }

    @Test
    void saslSslNeedsATruststore() throws IOException {
        Path password = Files.writeString(dir.resolve("kafka-password"), "kafka-s3cret");

        assertThatThrownBy(() -> read(Map.of("fedmesh.distributor.kafka.security-protocol", "SASL_SSL",
                "fedmesh.distributor.kafka.username", "fedmesh-distributor",
                "fedmesh.distributor.kafka.password-file", password.toString())))
                .hasMessageContaining("fedmesh.distributor.kafka.truststore-file is not set")
                .hasMessageContaining("FEDMESH_DISTRIBUTOR_KAFKA_TRUSTSTORE_FILE=");
    }

    private DistributorSettings read(Map<String, Object> kafkaProperties) {
        Map<String, Object> properties = new java.util.HashMap<>(kafkaProperties);
        properties.put("fedmesh.distributor.signing-key-file", keyFile.toString());
        try (ApplicationContext context = ApplicationContext.builder().deduceEnvironment(false).properties(properties).start()) {
            return DistributorSettings.from(context.getEnvironment());
        }
    }
}

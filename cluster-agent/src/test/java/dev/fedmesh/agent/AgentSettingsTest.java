package dev.fedmesh.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fedmesh.agent.registration.RegistrationApiSettings;
import dev.fedmesh.agent.trust.TrustSettings;
import dev.fedmesh.agent.xds.XdsServerTls;
import dev.fedmesh.api.KafkaClientSecurity;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.trust.credential.ClusterCredentialKeys;
import dev.fedmesh.trust.signing.ConfigSigningKey;
import dev.fedmesh.trust.signing.ConfigVerifier;
import io.micronaut.context.ApplicationContext;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentSettingsTest {

    @TempDir
    static Path keys;
    private static final String CREDENTIAL = "fmb_credential-of-east";
    private static ConfigSigningKey controlPlane;
    private static Path verifyingKey;
    private static Path credentialFile;

    @BeforeAll
    static void controlPlaneKeyAndCredential() throws IOException {
        controlPlane = ConfigSigningKey.generate();
        verifyingKey = keys.resolve("config-verifying-key.pem");
        controlPlane.writePublicKey(verifyingKey);
        credentialFile = Files.writeString(keys.resolve("bootstrap-credential"), CREDENTIAL + "\n");
    }

    @Test
    void onlyTenantClusterTheControlPlanesKeyAndTheCredentialAreRequiredEverythingElseHasLaptopDefaults() {
        AgentSettings settings = read(Map.of("fedmesh.agent.tenant", "acme", "fedmesh.agent.cluster", "eu-west-1"));

        assertThat(settings.tenant()).isEqualTo("acme");
        assertThat(settings.cluster()).isEqualTo("eu-west-1");
        assertThat(settings.kafkaBootstrapServers()).isEqualTo("localhost:9092");
        assertThat(settings.topicPrefix()).isEqualTo("fedmesh");
        assertThat(settings.xdsPort()).isEqualTo(18000);
        assertThat(settings.xdsHost()).isEqualTo("127.0.0.1");
        assertThat(settings.xdsTls()).isEmpty();
        assertThat(settings.stateDirectory()).isEqualTo(Path.of("fedmesh-agent-state"));
        assertThat(settings.endpoints()).isEmpty();
        assertThat(settings.configVerifier()).isEqualTo(ConfigVerifier.trusting(controlPlane.publicKey()));
        assertThat(settings.kafkaSecurity()).isEqualTo(KafkaClientSecurity.plaintext());
        assertThat(settings.trust().bootstrapCredential()).isPresent();
        assertThat(settings.trust().svidTtl()).isEqualTo(TrustSettings.DEFAULT.svidTtl());
        assertThat(settings.sdsSocket()).isEmpty();
        assertThat(settings.desiredTopic()).isEqualTo("fedmesh.acme.desired");
    }

    @Test
    void aBuilderChecksWhatItBuildsAsTheProperties() {
        assertThatThrownBy(() -> AgentSettings.builder("acme", "east").build())
                .isInstanceOf(InvalidAgentSettingsException.class)
                .hasMessageContaining("fedmesh.agent.config-verifying-keys");
        assertThatThrownBy(() -> AgentSettings.builder("acme", "east")
                .configVerifier(ConfigVerifier.trusting(controlPlane.publicKey()))
                .xdsPort(70000)
                .build())
                .isInstanceOf(InvalidAgentSettingsException.class)
                .hasMessageContaining("fedmesh.agent.xds.port = '70000'");
        assertThatThrownBy(() -> AgentSettings.builder("acme", "east west")
                .configVerifier(ConfigVerifier.trusting(controlPlane.publicKey()))
                .build())
                .isInstanceOf(InvalidAgentSettingsException.class)
                .hasMessageContaining("fedmesh.agent.cluster = 'east west'");

        AgentSettings settings = AgentSettings.builder("acme", "east")
                .configVerifier(ConfigVerifier.trusting(controlPlane.publicKey()))
                .build();
        AgentSettings moved = settings.toBuilder().xdsPort(18001).build();

        assertThat(moved.xdsPort()).isEqualTo(18001);
        assertThat(moved.tenant()).isEqualTo("acme");
        assertThat(moved.configVerifier()).isEqualTo(settings.configVerifier());
    }

    @Test
    void withoutTheControlPlanesPublicKeyTheAgentDoesNotStartAndSaysWhatToSet() {
        assertThatThrownBy(() -> readExactly(Map.of("fedmesh.agent.tenant", "acme", "fedmesh.agent.cluster", "c1",
                "fedmesh.agent.bootstrap-credential-file", credentialFile.toString())))
                .isInstanceOf(InvalidAgentSettingsException.class)
                .hasMessageContaining("fedmesh.agent.config-verifying-keys")
                .hasMessageContaining("FEDMESH_AGENT_CONFIG_VERIFYING_KEYS");
    }

    @Test
    void duringARotationTheAgentTrustsEveryKeyFileGiven() throws IOException {
        ConfigSigningKey next = ConfigSigningKey.generate();
        Path nextFile = keys.resolve("next-" + next.keyId() + ".pem");
        next.writePublicKey(nextFile);

        AgentSettings settings = read(Map.of("fedmesh.agent.tenant", "acme", "fedmesh.agent.cluster", "c1",
                "fedmesh.agent.config-verifying-keys", verifyingKey + ", " + nextFile));

        assertThat(settings.configVerifier().keyIds()).containsExactlyInAnyOrder(controlPlane.keyId(), next.keyId());
    }

    @Test
    void aVerifyingKeyFileThatIsNoKeyIsNamedWithTheProblem() throws IOException {
        Path notAKey = Files.writeString(keys.resolve("notes.txt"), "not a key");

        assertThatThrownBy(() -> read(Map.of("fedmesh.agent.tenant", "acme", "fedmesh.agent.cluster", "c1",
                "fedmesh.agent.config-verifying-keys", notAKey.toString())))
                .isInstanceOf(InvalidAgentSettingsException.class)
                .hasMessageContaining("fedmesh.agent.config-verifying-keys")
                .hasMessageContaining(notAKey.toString())
                .hasMessageContaining("BEGIN PUBLIC KEY");
    }

    @Test
    void missingClusterNamesThePropertyAndTheEnvironmentVariable() {
        assertThatThrownBy(() -> read(Map.of("fedmesh.agent.tenant", "acme")))
                .isInstanceOf(InvalidAgentSettingsException.class)
                .hasMessageContaining("fedmesh.agent.cluster")
                .hasMessageContaining("FEDMESH_AGENT_CLUSTER");
    }

    @Test
    void invalidPortNamesThePropertyTheValueAndWhatIsExpected() {
        assertThatThrownBy(() -> read(Map.of("fedmesh.agent.tenant", "acme", "fedmesh.agent.cluster", "c1",
                "fedmesh.agent.xds.port", "eighteen")))
                .isInstanceOf(InvalidAgentSettingsException.class)
                .hasMessageContaining("fedmesh.agent.xds.port")
                .hasMessageContaining("'eighteen'")
                .hasMessageContaining("0 for any free port");
    }

    @Test
    void everySettingCanBeGivenIncludingStaticEndpointsInOneString() {
        Map<String, Object> properties = new HashMap<>();
        properties.put("fedmesh.agent.tenant", "acme");
        properties.put("fedmesh.agent.cluster", "eu-west-1");
        properties.put("fedmesh.agent.kafka.bootstrap-servers", "kafka-1:9092,kafka-2:9092");
        properties.put("fedmesh.agent.topic-prefix", "staging");
        properties.put("fedmesh.agent.xds.port", "0");
        properties.put("fedmesh.agent.state-dir", "/var/lib/fedmesh");
        properties.put("fedmesh.agent.endpoints",
                "greeter|10.0.0.7:8080|version=v1,zone=a; greeter|10.0.0.8:8080|version=v2;frontend|10.0.1.1:9090");

        AgentSettings settings = read(properties);

        assertThat(settings.kafkaBootstrapServers()).isEqualTo("kafka-1:9092,kafka-2:9092");
        assertThat(settings.desiredTopic()).isEqualTo("staging.acme.desired");
        assertThat(settings.xdsPort()).isZero();
        assertThat(settings.stateDirectory()).isEqualTo(Path.of("/var/lib/fedmesh"));
        assertThat(settings.endpoints()).containsExactly(
                new ServiceEndpoint("greeter", "10.0.0.7", 8080, Map.of("version", "v1", "zone", "a")),
                new ServiceEndpoint("greeter", "10.0.0.8", 8080, Map.of("version", "v2")),
                new ServiceEndpoint("frontend", "10.0.1.1", 9090, Map.of()));
    }

    @Test
    void endpointsCanBeAYamlStyleList() {
        Map<String, Object> properties = new HashMap<>();
        properties.put("fedmesh.agent.tenant", "acme");
        properties.put("fedmesh.agent.cluster", "eu-west-1");
        properties.put("fedmesh.agent.endpoints",
                List.of("greeter|10.0.0.7:8080|version=v1,zone=a", "greeter|10.0.0.8:8080|version=v2"));

        assertThat(read(properties).endpoints()).extracting(ServiceEndpoint::labels).containsExactly(
                Map.of("version", "v1", "zone", "a"), Map.of("version", "v2"));
    }

    @Test
    void malformedEndpointShowsTheExpectedForm() {
        assertThatThrownBy(() -> read(Map.of("fedmesh.agent.tenant", "acme", "fedmesh.agent.cluster", "c1",
                "fedmesh.agent.endpoints", "greeter-10.0.0.7-8080")))
                .isInstanceOf(InvalidAgentSettingsException.class)
                .hasMessageContaining("fedmesh.agent.endpoints")
                .hasMessageContaining("service|host:port|k=v,k=v");
    }

    @Test
    void withScramTheAgentLogsInAsTheUserItsCredentialNamesWithThePasswordItDerives() {
        AgentSettings settings = read(Map.of("fedmesh.agent.tenant", "acme", "fedmesh.agent.cluster", "east",
                "fedmesh.agent.kafka.security-protocol", "SASL_PLAINTEXT"));

        ClusterCredentialKeys keys = ClusterCredentialKeys.ofCredential(CREDENTIAL);
        assertThat(settings.kafkaSecurity().username()).isEqualTo("fedmesh-agent.acme.east." + keys.id());
        assertThat(settings.kafkaSecurity().password()).isEqualTo(keys.kafkaPassword("acme", "east"))
                .isNotEqualTo(CREDENTIAL);
        assertThat(settings.kafkaSecurity().clientConfig()).containsEntry("sasl.mechanism", "SCRAM-SHA-512");
        assertThat(settings.toString()).contains("SASL_PLAINTEXT SCRAM-SHA-512 as fedmesh-agent.acme.east." + keys.id())
                .doesNotContain(CREDENTIAL).doesNotContain(keys.kafkaPassword("acme", "east"));
    }

    @Test
    void byDefaultTheAgentReachesKafkaOverPlaintext() {
        AgentSettings settings = read(Map.of("fedmesh.agent.tenant", "acme", "fedmesh.agent.cluster", "east"));

        assertThat(settings.kafkaSecurity().protocol()).isEqualTo(KafkaClientSecurity.Protocol.PLAINTEXT);
    }

    @Test
    void aKafkaUserOrPasswordFileOfAnEarlierReleaseIsRefusedRatherThanIgnored() {
        for (String setting : List.of("fedmesh.agent.kafka.username", "fedmesh.agent.kafka.password-file")) {
            assertThatThrownBy(() -> read(Map.of("fedmesh.agent.tenant", "acme", "fedmesh.agent.cluster", "east",
                    "fedmesh.agent.kafka.security-protocol", "SASL_PLAINTEXT", setting, "/etc/fedmesh/kafka-password")))
                    .isInstanceOf(InvalidAgentSettingsException.class)
                    .hasMessageContaining("Setting " + setting + " is given but no longer used")
                    .hasMessageContaining("derive from its bootstrap credential");
        }
    }

    @Test
    void anUnknownProtocolOrMechanismIsNamedWithTheChoices() {
        assertThatThrownBy(() -> read(Map.of("fedmesh.agent.tenant", "acme", "fedmesh.agent.cluster", "east",
                "fedmesh.agent.kafka.security-protocol", "SSL")))
                .hasMessageContaining("fedmesh.agent.kafka.security-protocol = 'SSL'")
                .hasMessageContaining("PLAINTEXT, SASL_PLAINTEXT or SASL_SSL");
        assertThatThrownBy(() -> read(Map.of("fedmesh.agent.tenant", "acme", "fedmesh.agent.cluster", "east",
                "fedmesh.agent.kafka.security-protocol", "SASL_PLAINTEXT",
                "fedmesh.agent.kafka.sasl-mechanism", "PLAIN")))
                .hasMessageContaining("fedmesh.agent.kafka.sasl-mechanism = 'PLAIN'")
                .hasMessageContaining("SCRAM-SHA-512 or SCRAM-SHA-256");
    }

    @Test
    void xdsBeyondLoopbackWithoutTlsIsRefusedNamingWhatToSet() {
        assertThatThrownBy(() -> read(Map.of("fedmesh.agent.tenant", "acme", "fedmesh.agent.cluster", "east",
                "fedmesh.agent.xds.host", "0.0.0.0")))
                .isInstanceOf(InvalidAgentSettingsException.class)
                .hasMessageContaining("fedmesh.agent.xds.host = '0.0.0.0' lets other machines reach the agent's xDS port")
                .hasMessageContaining("must authenticate its clients")
                .hasMessageContaining("FEDMESH_AGENT_XDS_TLS_CERTIFICATE_FILE, FEDMESH_AGENT_XDS_TLS_PRIVATE_KEY_FILE,"
                        + " FEDMESH_AGENT_XDS_TLS_CLIENT_CA_FILE")
                .hasMessageContaining("FEDMESH_AGENT_XDS_HOST=127.0.0.1");
        assertThat(read(Map.of("fedmesh.agent.tenant", "acme", "fedmesh.agent.cluster", "east",
                "fedmesh.agent.xds.host", "localhost")).xdsHost()).as("loopback by name").isEqualTo("localhost");
    }

    @Test
    void xdsTlsNeedsAllThreeFilesAndChecksWhatTheyHold() throws IOException {
        XdsTlsPki ca = XdsTlsPki.ca("proxy-ca", keys.resolve("pki"));
        XdsTlsPki.Leaf server = ca.server(List.of(InetAddress.getLoopbackAddress()));
        Map<String, Object> properties = new HashMap<>(Map.of("fedmesh.agent.tenant", "acme",
                "fedmesh.agent.cluster", "east", "fedmesh.agent.xds.host", "0.0.0.0",
                "fedmesh.agent.xds.tls.certificate-file", server.certificateFile().toString(),
                "fedmesh.agent.xds.tls.private-key-file", server.privateKeyFile().toString()));

        assertThatThrownBy(() -> read(properties))
                .isInstanceOf(InvalidAgentSettingsException.class)
                .hasMessageContaining("Missing setting fedmesh.agent.xds.tls.client-ca-file")
                .hasMessageContaining("FEDMESH_AGENT_XDS_TLS_CLIENT_CA_FILE");

        properties.put("fedmesh.agent.xds.tls.client-ca-file", server.privateKeyFile().toString());
        assertThatThrownBy(() -> read(properties))
                .isInstanceOf(InvalidAgentSettingsException.class)
                .hasMessageContaining("fedmesh.agent.xds.tls.client-ca-file = '" + server.privateKeyFile() + "'")
                .hasMessageContaining("CERTIFICATE")
                .hasMessageNotContaining("PRIVATE KEY-----");

        properties.put("fedmesh.agent.xds.tls.client-ca-file", ca.certificateFile().toString());
        properties.put("fedmesh.agent.xds.tls.private-key-file", ca.client("other").privateKeyFile().toString());
        assertThatThrownBy(() -> read(properties))
                .isInstanceOf(InvalidAgentSettingsException.class)
                .hasMessageContaining("fedmesh.agent.xds.tls.private-key-file")
                .hasMessageContaining("it is another key");

        properties.put("fedmesh.agent.xds.tls.private-key-file", server.privateKeyFile().toString());
        AgentSettings settings = read(properties);
        assertThat(settings.xdsHost()).isEqualTo("0.0.0.0");
        assertThat(settings.xdsTls()).contains(new XdsServerTls(server.certificateFile(), server.privateKeyFile(),
                ca.certificateFile()));
    }

    @Test
    void theRegistrationApiIsOffWithoutATokenFileAndOnLoopbackWithOne() throws IOException {
        AgentSettings off = read(Map.of("fedmesh.agent.tenant", "acme", "fedmesh.agent.cluster", "east"));
        assertThat(off.registrationApi()).isEmpty();
        assertThat(off.reconnectGracePeriod()).isEqualTo(Duration.ofSeconds(30));
        Path token = Files.writeString(Files.createTempFile("registration", ".token"), "0123456789abcdef0123456789abcdef");

        AgentSettings on = read(Map.of("fedmesh.agent.tenant", "acme", "fedmesh.agent.cluster", "east",
                "fedmesh.agent.registration.token-file", token.toString(),
                "fedmesh.agent.reconnect-grace-period", "PT2M"));

        assertThat(on.registrationApi()).contains(new RegistrationApiSettings("127.0.0.1", 18001, token));
        assertThat(on.reconnectGracePeriod()).isEqualTo(Duration.ofMinutes(2));
        assertThat(on.toBuilder().build().registrationApi()).isEqualTo(on.registrationApi());
    }

    @Test
    void registrationSettingsThatCannotWorkAreRefusedNamingTheProperty() {
        assertThatThrownBy(() -> read(Map.of("fedmesh.agent.tenant", "acme", "fedmesh.agent.cluster", "east",
                "fedmesh.agent.registration.port", "18001")))
                .hasMessageContaining("fedmesh.agent.registration.token-file")
                .hasMessageContaining("FEDMESH_AGENT_REGISTRATION_TOKEN_FILE");
        assertThatThrownBy(() -> read(Map.of("fedmesh.agent.tenant", "acme", "fedmesh.agent.cluster", "east",
                "fedmesh.agent.registration.token-file", "/nonexistent/registration-token")))
                .hasMessageContaining("fedmesh.agent.registration.token-file")
                .hasMessageContaining("/nonexistent/registration-token");
        assertThatThrownBy(() -> read(Map.of("fedmesh.agent.tenant", "acme", "fedmesh.agent.cluster", "east",
                "fedmesh.agent.reconnect-grace-period", "30s")))
                .hasMessageContaining("fedmesh.agent.reconnect-grace-period")
                .hasMessageContaining("PT30S");
    }

    /** Reads the properties, trusting the control plane's key and holding the credential unless they say otherwise. */
    private static AgentSettings read(Map<String, Object> properties) {
        Map<String, Object> withKey = new HashMap<>(properties);
        withKey.putIfAbsent("fedmesh.agent.config-verifying-keys", verifyingKey.toString());
        withKey.putIfAbsent("fedmesh.agent.bootstrap-credential-file", credentialFile.toString());
        return readExactly(withKey);
    }

    private static AgentSettings readExactly(Map<String, Object> properties) {
        try (ApplicationContext context = ApplicationContext.builder()
                .deduceEnvironment(false)
                .properties(properties)
                .start()) {
            return AgentSettings.from(context.getEnvironment());
        }
    }
}

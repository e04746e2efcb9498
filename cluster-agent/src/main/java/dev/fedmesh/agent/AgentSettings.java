package dev.fedmesh.agent;

import dev.fedmesh.agent.sds.SdsSocket;
import dev.fedmesh.agent.trust.BootstrapCredential;
import dev.fedmesh.agent.trust.TrustSettings;
import dev.fedmesh.api.KafkaClientSecurity;
import dev.fedmesh.api.KafkaTopics;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.trust.signing.ConfigVerifier;
import dev.fedmesh.trust.signing.InvalidKeyFileException;
import io.micronaut.context.ApplicationContext;
import io.micronaut.core.value.PropertyResolver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What one cluster agent needs to run: whose config it serves, where it reads it, whose signature
 * it trusts, where it serves xDS and SDS, where it keeps its last-known-good config, and any static
 * local endpoints.
 *
 * <p>Read from Micronaut configuration (application.yml, system properties, environment):
 * <ul>
 *   <li>{@code fedmesh.agent.tenant} (FEDMESH_AGENT_TENANT), required</li>
 *   <li>{@code fedmesh.agent.cluster} (FEDMESH_AGENT_CLUSTER), required</li>
 *   <li>{@code fedmesh.agent.kafka.bootstrap-servers} (FEDMESH_AGENT_KAFKA_BOOTSTRAP_SERVERS),
 *       default {@code localhost:9092}</li>
 *   <li>{@code fedmesh.agent.topic-prefix} (FEDMESH_AGENT_TOPIC_PREFIX), default {@code fedmesh}</li>
 *   <li>{@code fedmesh.agent.xds.port} (FEDMESH_AGENT_XDS_PORT), default 18000, 0 = any free port</li>
 *   <li>{@code fedmesh.agent.state-dir} (FEDMESH_AGENT_STATE_DIR), default {@code fedmesh-agent-state}</li>
 *   <li>{@code fedmesh.agent.endpoints} (FEDMESH_AGENT_ENDPOINTS): entries
 *       {@code service|host:port|k=v,k=v}, as a YAML list or separated by {@code ;}</li>
 *   <li>{@code fedmesh.agent.config-verifying-keys} (FEDMESH_AGENT_CONFIG_VERIFYING_KEYS), required:
 *       the control plane's public key files (PEM), as a YAML list or separated by {@code ,}</li>
 *   <li>{@code fedmesh.agent.kafka.security-protocol} ({@code PLAINTEXT}, {@code SASL_PLAINTEXT} or
 *       {@code SASL_SSL}), {@code kafka.sasl-mechanism} (default {@code SCRAM-SHA-512}),
 *       {@code kafka.username} (default {@code <topic-prefix>-agent.<tenant>.<cluster>}),
 *       {@code kafka.password-file}, {@code kafka.truststore-file}, {@code kafka.truststore-type},
 *       {@code kafka.truststore-password-file}: see 'Kafka security' in docs/operations.md</li>
 *   <li>{@code fedmesh.agent.bootstrap-credential-file} (FEDMESH_AGENT_BOOTSTRAP_CREDENTIAL_FILE): the file
 *       holding the cluster's bootstrap credential, which proves its first intermediate request</li>
 *   <li>{@code fedmesh.agent.svid-ttl} (FEDMESH_AGENT_SVID_TTL), default {@code PT1H}: workload SVIDs' lifetime</li>
 *   <li>{@code fedmesh.agent.sds.socket} (FEDMESH_AGENT_SDS_SOCKET), default none (no SDS): the Unix socket
 *       the agent serves its workloads' SVIDs and the trust bundle on to Envoy proxies</li>
 *   <li>{@code fedmesh.agent.sds.socket-mode} (FEDMESH_AGENT_SDS_SOCKET_MODE), default {@code 0600}: who may
 *       connect, {@code 0600} (the agent's user) or {@code 0660} (and its group)</li>
 * </ul>
 */
public record AgentSettings(
        String tenant,
        String cluster,
        String kafkaBootstrapServers,
        String topicPrefix,
        int xdsPort,
        Path stateDirectory,
        List<ServiceEndpoint> endpoints,
        ConfigVerifier configVerifier,
        KafkaClientSecurity kafkaSecurity,
        TrustSettings trust,
        Optional<SdsSocket> sdsSocket) {

    public static final String PREFIX = "fedmesh.agent.";
    public static final String DEFAULT_KAFKA_BOOTSTRAP_SERVERS = "localhost:9092";
    public static final String DEFAULT_TOPIC_PREFIX = KafkaTopics.DEFAULT_PREFIX;
    public static final int DEFAULT_XDS_PORT = 18000;
    public static final Path DEFAULT_STATE_DIRECTORY = Path.of("fedmesh-agent-state");

    public AgentSettings {
        tenant = requireName("tenant", tenant);
        cluster = requireName("cluster", cluster);
        kafkaBootstrapServers = requireText("kafka.bootstrap-servers", kafkaBootstrapServers);
        topicPrefix = requireName("topic-prefix", topicPrefix);
        if (xdsPort < 0 || xdsPort > 65535) {
            throw invalid("xds.port", String.valueOf(xdsPort), "a port 1..65535, or 0 for any free port");
        }
        Objects.requireNonNull(stateDirectory, "stateDirectory");
        endpoints = List.copyOf(endpoints);
        if (configVerifier == null) {
            throw missing("config-verifying-keys", "/etc/fedmesh/config-verifying-key.pem");
        }
        if (kafkaSecurity == null) {
            kafkaSecurity = KafkaClientSecurity.plaintext();
        }
        if (trust == null) {
            trust = TrustSettings.DEFAULT;
        }
        if (sdsSocket == null) {
            sdsSocket = Optional.empty();
        }
    }

    /** Settings serving no SDS. */
    public AgentSettings(String tenant, String cluster, String kafkaBootstrapServers, String topicPrefix, int xdsPort,
                         Path stateDirectory, List<ServiceEndpoint> endpoints, ConfigVerifier configVerifier,
                         KafkaClientSecurity kafkaSecurity, TrustSettings trust) {
        this(tenant, cluster, kafkaBootstrapServers, topicPrefix, xdsPort, stateDirectory, endpoints, configVerifier,
                kafkaSecurity, trust, Optional.empty());
    }

    /** Settings with no bootstrap credential and the default SVID TTL. */
    public AgentSettings(String tenant, String cluster, String kafkaBootstrapServers, String topicPrefix, int xdsPort,
                         Path stateDirectory, List<ServiceEndpoint> endpoints, ConfigVerifier configVerifier,
                         KafkaClientSecurity kafkaSecurity) {
        this(tenant, cluster, kafkaBootstrapServers, topicPrefix, xdsPort, stateDirectory, endpoints, configVerifier,
                kafkaSecurity, TrustSettings.DEFAULT);
    }

    /** Settings reaching Kafka over PLAINTEXT. */
    public AgentSettings(String tenant, String cluster, String kafkaBootstrapServers, String topicPrefix, int xdsPort,
                         Path stateDirectory, List<ServiceEndpoint> endpoints, ConfigVerifier configVerifier) {
        this(tenant, cluster, kafkaBootstrapServers, topicPrefix, xdsPort, stateDirectory, endpoints, configVerifier,
                KafkaClientSecurity.plaintext());
    }

    /**
     * Settings with the defaults for everything but the tenant, cluster, Kafka address and the
     * control plane's public keys, the only signers whose configs the agent applies.
     */
    public static AgentSettings of(String tenant, String cluster, String kafkaBootstrapServers,
                                   ConfigVerifier configVerifier) {
        return new AgentSettings(tenant, cluster, kafkaBootstrapServers, DEFAULT_TOPIC_PREFIX,
                DEFAULT_XDS_PORT, DEFAULT_STATE_DIRECTORY, List.of(), configVerifier, KafkaClientSecurity.plaintext());
    }

    public AgentSettings withXdsPort(int port) {
        return new AgentSettings(tenant, cluster, kafkaBootstrapServers, topicPrefix, port, stateDirectory, endpoints,
                configVerifier, kafkaSecurity, trust, sdsSocket);
    }

    public AgentSettings withStateDirectory(Path directory) {
        return new AgentSettings(tenant, cluster, kafkaBootstrapServers, topicPrefix, xdsPort, directory, endpoints,
                configVerifier, kafkaSecurity, trust, sdsSocket);
    }

    public AgentSettings withTopicPrefix(String prefix) {
        return new AgentSettings(tenant, cluster, kafkaBootstrapServers, prefix, xdsPort, stateDirectory, endpoints,
                configVerifier, kafkaSecurity, trust, sdsSocket);
    }

    public AgentSettings withEndpoints(List<ServiceEndpoint> staticEndpoints) {
        return new AgentSettings(tenant, cluster, kafkaBootstrapServers, topicPrefix, xdsPort, stateDirectory,
                staticEndpoints, configVerifier, kafkaSecurity, trust, sdsSocket);
    }

    public AgentSettings withConfigVerifier(ConfigVerifier verifier) {
        return new AgentSettings(tenant, cluster, kafkaBootstrapServers, topicPrefix, xdsPort, stateDirectory,
                endpoints, verifier, kafkaSecurity, trust, sdsSocket);
    }

    /** The same settings, reaching Kafka with {@code security}. */
    public AgentSettings withKafkaSecurity(KafkaClientSecurity security) {
        return new AgentSettings(tenant, cluster, kafkaBootstrapServers, topicPrefix, xdsPort, stateDirectory,
                endpoints, configVerifier, security, trust, sdsSocket);
    }

    /** The same settings, getting and using the cluster's intermediate CA as {@code trustSettings} says. */
    public AgentSettings withTrust(TrustSettings trustSettings) {
        return new AgentSettings(tenant, cluster, kafkaBootstrapServers, topicPrefix, xdsPort, stateDirectory,
                endpoints, configVerifier, kafkaSecurity, trustSettings, sdsSocket);
    }

    /** The same settings, serving SDS on {@code socket}. */
    public AgentSettings withSdsSocket(SdsSocket socket) {
        return new AgentSettings(tenant, cluster, kafkaBootstrapServers, topicPrefix, xdsPort, stateDirectory,
                endpoints, configVerifier, kafkaSecurity, trust, Optional.of(socket));
    }

    /**
     * The Kafka user name the distributor gives this cluster's agent,
     * {@code <topicPrefix>-agent.<tenant>.<cluster>}: the default of {@code kafka.username}.
     */
    public static String defaultKafkaUsername(String topicPrefix, String tenant, String cluster) {
        return topicPrefix + "-agent." + tenant + "." + cluster;
    }

    /** The tenant's compacted desired-config topic: {@code <topicPrefix>.<tenant>.desired}. */
    public String desiredTopic() {
        return KafkaTopics.desired(topicPrefix, tenant);
    }

    /** Reads the settings from application.yml, system properties and environment variables. */
    public static AgentSettings load() {
        try (ApplicationContext context = ApplicationContext.builder().banner(false).start()) {
            return from(context.getEnvironment());
        }
    }

    /** Reads the settings from any Micronaut property source. */
    public static AgentSettings from(PropertyResolver properties) {
        String tenant = text(properties, "tenant").orElseThrow(() -> missing("tenant", "acme"));
        String cluster = text(properties, "cluster").orElseThrow(() -> missing("cluster", "eu-west-1"));
        String kafka = text(properties, "kafka.bootstrap-servers").orElse(DEFAULT_KAFKA_BOOTSTRAP_SERVERS);
        String topicPrefix = text(properties, "topic-prefix").orElse(DEFAULT_TOPIC_PREFIX);
        int port = text(properties, "xds.port").map(AgentSettings::port).orElse(DEFAULT_XDS_PORT);
        Path stateDir = text(properties, "state-dir").map(Path::of).orElse(DEFAULT_STATE_DIRECTORY);
        List<String> entries = properties.get(PREFIX + "endpoints", io.micronaut.core.type.Argument.listOf(String.class))
                .orElse(List.of());
        return new AgentSettings(tenant, cluster, kafka, topicPrefix, port, stateDir, endpoints(entries),
                configVerifier(properties), kafkaSecurity(properties, defaultKafkaUsername(topicPrefix, tenant, cluster)),
                trustSettings(properties), sdsSocket(properties));
    }

    /** Reads where SDS is served; none unless {@code sds.socket} is set. */
    static Optional<SdsSocket> sdsSocket(PropertyResolver properties) {
        Optional<String> path = text(properties, "sds.socket");
        String mode = text(properties, "sds.socket-mode").orElse(SdsSocket.OWNER_ONLY);
        if (path.isEmpty()) {
            if (text(properties, "sds.socket-mode").isPresent()) {
                throw missing("sds.socket", "/run/fedmesh/sds.sock");
            }
            return Optional.empty();
        }
        if (!mode.equals(SdsSocket.OWNER_ONLY) && !mode.equals(SdsSocket.OWNER_AND_GROUP)) {
            throw invalid("sds.socket-mode", mode, SdsSocket.OWNER_ONLY + " (the agent's user only) or "
                    + SdsSocket.OWNER_AND_GROUP + " (and its group): whoever connects gets the workloads' private keys");
        }
        return Optional.of(new SdsSocket(Path.of(path.get()), mode));
    }

    /** Reads how the agent authenticates to Kafka; a half-given setup stops the start. */
    static KafkaClientSecurity kafkaSecurity(PropertyResolver properties, String defaultUsername) {
        String protocolName = text(properties, "kafka.security-protocol").orElse("PLAINTEXT");
        KafkaClientSecurity.Protocol protocol;
        try {
            protocol = KafkaClientSecurity.Protocol.valueOf(protocolName.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw invalid("kafka.security-protocol", protocolName, "PLAINTEXT, SASL_PLAINTEXT or SASL_SSL");
        }
        if (!protocol.usesSasl()) {
            for (String setting : List.of("kafka.username", "kafka.password-file", "kafka.truststore-file")) {
                if (text(properties, setting).isPresent()) {
                    throw new InvalidAgentSettingsException("Setting " + PREFIX + setting + " is given but "
                            + PREFIX + "kafka.security-protocol is " + protocol + ", which sends no credentials: set "
                            + envName("kafka.security-protocol") + "=SASL_SSL (or SASL_PLAINTEXT), or unset "
                            + envName(setting));
                }
            }
            return KafkaClientSecurity.plaintext();
        }
        String mechanismName = text(properties, "kafka.sasl-mechanism").orElse("SCRAM-SHA-512");
        KafkaClientSecurity.Mechanism mechanism = KafkaClientSecurity.Mechanism.named(mechanismName);
        if (mechanism == null) {
            throw invalid("kafka.sasl-mechanism", mechanismName, "SCRAM-SHA-512 or SCRAM-SHA-256");
        }
        String username = text(properties, "kafka.username").orElse(defaultUsername);
        Path passwordFile = text(properties, "kafka.password-file").map(Path::of).orElseThrow(() ->
                new InvalidAgentSettingsException("Missing setting " + PREFIX + "kafka.password-file: with "
                        + protocol + " the agent needs its Kafka password in a file. The operator prints it with the"
                        + " distributor's 'agent-kafka-credential <tenant> <cluster>' command; save it and set "
                        + envName("kafka.password-file") + "=/etc/fedmesh/kafka-password"));
        String password = secretFile("kafka.password-file", passwordFile);
        Path truststore = null;
        String truststoreType = null;
        String truststorePassword = null;
        if (protocol == KafkaClientSecurity.Protocol.SASL_SSL) {
            truststore = text(properties, "kafka.truststore-file").map(Path::of)
                    .orElseThrow(() -> missing("kafka.truststore-file", "/etc/fedmesh/kafka-ca.pem"));
            if (!Files.isReadable(truststore)) {
                throw invalid("kafka.truststore-file", truststore.toString(), "a readable file of the CA certificates"
                        + " the brokers' TLS certificates are checked against");
            }
            truststoreType = text(properties, "kafka.truststore-type").orElse("PEM");
            if (!KafkaClientSecurity.TRUSTSTORE_TYPES.contains(truststoreType.toUpperCase(Locale.ROOT))) {
                throw invalid("kafka.truststore-type", truststoreType, String.join(", ", KafkaClientSecurity.TRUSTSTORE_TYPES));
            }
            Optional<Path> truststorePasswordFile = text(properties, "kafka.truststore-password-file").map(Path::of);
            if (truststorePasswordFile.isPresent()) {
                truststorePassword = secretFile("kafka.truststore-password-file", truststorePasswordFile.get());
            }
        }
        return new KafkaClientSecurity(protocol, mechanism, username, password, truststore, truststoreType,
                truststorePassword);
    }

    /** The file's content without surrounding white space; errors name the file, never its content. */
    private static String secretFile(String property, Path file) {
        String content;
        try {
            content = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException | UncheckedIOException e) {
            throw invalid(property, file.toString(), "a file the agent can read (" + e.getClass().getSimpleName() + ")");
        }
        if (content.isEmpty()) {
            throw invalid(property, file.toString(), "a file holding the password, but it is empty");
        }
        return content;
    }

    /** Reads the bootstrap credential now, so a wrong path stops the start rather than the first intermediate request. */
    static TrustSettings trustSettings(PropertyResolver properties) {
        TrustSettings trust = TrustSettings.DEFAULT;
        Optional<String> ttl = text(properties, "svid-ttl");
        if (ttl.isPresent()) {
            Duration parsed;
            try {
                parsed = Duration.parse(ttl.get());
            } catch (DateTimeParseException e) {
                throw invalid("svid-ttl", ttl.get(), "an ISO-8601 duration such as PT1H");
            }
            if (parsed.isNegative() || parsed.isZero()) {
                throw invalid("svid-ttl", ttl.get(), "a positive duration such as PT1H");
            }
            trust = trust.withSvidTtl(parsed);
        }
        Optional<Path> file = text(properties, "bootstrap-credential-file").map(Path::of);
        if (file.isPresent()) {
            String credential;
            try {
                credential = Files.readString(file.get(), StandardCharsets.UTF_8).strip();
            } catch (IOException | UncheckedIOException e) {
                throw invalid("bootstrap-credential-file", file.get().toString(), "a file the agent can read ("
                        + e.getClass().getSimpleName() + ") holding the cluster's bootstrap credential");
            }
            if (credential.isEmpty()) {
                throw invalid("bootstrap-credential-file", file.get().toString(),
                        "a file holding the cluster's bootstrap credential, but it is empty");
            }
            trust = trust.withBootstrapCredential(new BootstrapCredential(credential));
        }
        return trust;
    }

    /** Reads every trusted public key file now, so a wrong path stops the start instead of refusing every config. */
    private static ConfigVerifier configVerifier(PropertyResolver properties) {
        String property = "config-verifying-keys";
        List<Path> files = properties.get(PREFIX + property, io.micronaut.core.type.Argument.listOf(String.class))
                .orElse(List.of()).stream()
                .map(String::trim)
                .filter(file -> !file.isEmpty())
                .map(Path::of)
                .toList();
        if (files.isEmpty()) {
            throw missing(property, "/etc/fedmesh/config-verifying-key.pem");
        }
        try {
            return ConfigVerifier.readPublicKeys(files);
        } catch (InvalidKeyFileException e) {
            throw invalid(property, files.toString(), "PEM files of the control plane's Ed25519 public keys ("
                    + e.getMessage() + ")");
        }
    }

    /**
     * Parses endpoint entries {@code service|host:port|k=v,k=v}. Micronaut splits a plain string
     * property at commas, so a piece without {@code |} continues the previous entry's labels.
     */
    static List<ServiceEndpoint> endpoints(List<String> pieces) {
        List<String> entries = new ArrayList<>();
        for (String piece : pieces) {
            for (String part : piece.split(";")) {
                String trimmed = part.trim();
                if (trimmed.isEmpty()) {
                    continue;
                }
                if (!trimmed.contains("|") && !entries.isEmpty()) {
                    entries.set(entries.size() - 1, entries.get(entries.size() - 1) + "," + trimmed);
                } else {
                    entries.add(trimmed);
                }
            }
        }
        List<ServiceEndpoint> endpoints = new ArrayList<>();
        for (String entry : entries) {
            endpoints.add(endpoint(entry));
        }
        return endpoints;
    }

    private static ServiceEndpoint endpoint(String entry) {
        String expected = "service|host:port|k=v,k=v (labels optional), e.g. greeter|10.0.0.7:8080|version=v2";
        String[] fields = entry.split("\\|", -1);
        if (fields.length < 2 || fields.length > 3) {
            throw invalid("endpoints", entry, expected);
        }
        String address = fields[1].trim();
        int colon = address.lastIndexOf(':');
        if (colon <= 0) {
            throw invalid("endpoints", entry, expected);
        }
        int port;
        try {
            port = Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw invalid("endpoints", entry, expected);
        }
        Map<String, String> labels = new LinkedHashMap<>();
        if (fields.length == 3 && !fields[2].isBlank()) {
            for (String label : fields[2].split(",")) {
                int eq = label.indexOf('=');
                if (eq <= 0) {
                    throw invalid("endpoints", entry, expected);
                }
                labels.put(label.substring(0, eq).trim(), label.substring(eq + 1).trim());
            }
        }
        try {
            return new ServiceEndpoint(fields[0].trim(), address.substring(0, colon), port, labels);
        } catch (IllegalArgumentException e) {
            throw invalid("endpoints", entry, e.getMessage());
        }
    }

    private static int port(String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw invalid("xds.port", value, "a port 1..65535, or 0 for any free port");
        }
    }

    private static Optional<String> text(PropertyResolver properties, String name) {
        return properties.get(PREFIX + name, String.class).map(String::trim).filter(s -> !s.isEmpty());
    }

    private static String requireName(String property, String value) {
        requireText(property, value);
        if (!value.matches("[A-Za-z0-9._-]+")) {
            throw invalid(property, value, "letters, digits, '.', '_' or '-' only");
        }
        return value;
    }

    private static String requireText(String property, String value) {
        if (value == null || value.isBlank()) {
            throw missing(property, null);
        }
        return value;
    }

    static String envName(String property) {
        return (PREFIX + property).toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static InvalidAgentSettingsException missing(String property, String example) {
        return new InvalidAgentSettingsException("Missing setting " + PREFIX + property + ": set it in application.yml,"
                + " as -D" + PREFIX + property + "=" + (example == null ? "..." : example)
                + " or as environment variable " + envName(property));
    }

    private static InvalidAgentSettingsException invalid(String property, String value, String expected) {
        return new InvalidAgentSettingsException("Invalid setting " + PREFIX + property + " = '" + value
                + "': expected " + expected + " (environment variable " + envName(property) + ")");
    }
}

package dev.fedmesh.agent;

import dev.fedmesh.api.KafkaTopics;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.trust.signing.ConfigVerifier;
import dev.fedmesh.trust.signing.InvalidKeyFileException;
import io.micronaut.context.ApplicationContext;
import io.micronaut.core.value.PropertyResolver;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What one cluster agent needs to run: whose config it serves, where it reads it, whose signature
 * it trusts, where it serves xDS, where it keeps its last-known-good config, and any static local
 * endpoints.
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
        ConfigVerifier configVerifier) {

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
    }

    /**
     * Settings with the defaults for everything but the tenant, cluster, Kafka address and the
     * control plane's public keys, the only signers whose configs the agent applies.
     */
    public static AgentSettings of(String tenant, String cluster, String kafkaBootstrapServers,
                                   ConfigVerifier configVerifier) {
        return new AgentSettings(tenant, cluster, kafkaBootstrapServers, DEFAULT_TOPIC_PREFIX,
                DEFAULT_XDS_PORT, DEFAULT_STATE_DIRECTORY, List.of(), configVerifier);
    }

    public AgentSettings withXdsPort(int port) {
        return new AgentSettings(tenant, cluster, kafkaBootstrapServers, topicPrefix, port, stateDirectory, endpoints,
                configVerifier);
    }

    public AgentSettings withStateDirectory(Path directory) {
        return new AgentSettings(tenant, cluster, kafkaBootstrapServers, topicPrefix, xdsPort, directory, endpoints,
                configVerifier);
    }

    public AgentSettings withTopicPrefix(String prefix) {
        return new AgentSettings(tenant, cluster, kafkaBootstrapServers, prefix, xdsPort, stateDirectory, endpoints,
                configVerifier);
    }

    public AgentSettings withEndpoints(List<ServiceEndpoint> staticEndpoints) {
        return new AgentSettings(tenant, cluster, kafkaBootstrapServers, topicPrefix, xdsPort, stateDirectory,
                staticEndpoints, configVerifier);
    }

    public AgentSettings withConfigVerifier(ConfigVerifier verifier) {
        return new AgentSettings(tenant, cluster, kafkaBootstrapServers, topicPrefix, xdsPort, stateDirectory,
                endpoints, verifier);
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
                configVerifier(properties));
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

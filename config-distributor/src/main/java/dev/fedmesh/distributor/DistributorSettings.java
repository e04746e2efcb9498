package dev.fedmesh.distributor;

import dev.fedmesh.api.KafkaClientSecurity;
import dev.fedmesh.distributor.publish.TenantTopics;
import dev.fedmesh.trust.signing.ConfigSigningKey;
import dev.fedmesh.trust.signing.InvalidKeyFileException;
import io.micronaut.core.value.PropertyResolver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * How a distributor connects and behaves. Read from Micronaut configuration: an application.yml
 * of the operator's, system properties, or environment variables (FEDMESH_DISTRIBUTOR_DB_URL for
 * fedmesh.distributor.db.url, and so on).
 */
public record DistributorSettings(
        String jdbcUrl,
        String dbUsername,
        String dbPassword,
        String kafkaBootstrapServers,
        String topicPrefix,
        int topicPartitions,
        short topicReplicationFactor,
        Duration pollInterval,
        ConfigSigningKey signingKey,
        KafkaClientSecurity kafkaSecurity,
        Duration agentAccessSweep,
        int maxRecordBytes) {

    static final String SIGNING_KEY_FILE = "fedmesh.distributor.signing-key-file";
    /**
     * Partitions of each new desired topic. An agent reads only its cluster's partition, so more
     * partitions mean fewer other clusters' records fetched per change; each costs the brokers a
     * little per tenant.
     */
    public static final int DEFAULT_TOPIC_PARTITIONS = 8;
    static final String KAFKA = "fedmesh.distributor.kafka.";
    /** How often agents' Kafka access is compared with the tenants in the database (see AgentAccessSweep). */
    public static final Duration DEFAULT_AGENT_ACCESS_SWEEP = Duration.ofSeconds(60);
    static final String MAX_RECORD_BYTES = KAFKA + "max-record-bytes";
    /** Below Kafka's default batch size a limit makes no sense; above this a record outgrows a broker's requests. */
    static final int MIN_RECORD_BYTES = 16 * 1024;
    static final int MAX_RECORD_BYTES_CEILING = 1024 * 1024 * 1024;

    public DistributorSettings {
        if (signingKey == null) {
            throw new IllegalArgumentException("the distributor needs a config signing key (" + SIGNING_KEY_FILE + ")");
        }
        if (topicPartitions < 1) {
            throw new IllegalArgumentException("fedmesh.distributor.topic-partitions must be at least 1, not " + topicPartitions);
        }
        if (topicReplicationFactor < 1) {
            throw new IllegalArgumentException("fedmesh.distributor.topic-replication-factor must be at least 1, not "
                    + topicReplicationFactor);
        }
        if (kafkaSecurity == null) {
            kafkaSecurity = KafkaClientSecurity.plaintext();
        }
        if (agentAccessSweep == null) {
            agentAccessSweep = DEFAULT_AGENT_ACCESS_SWEEP;
        }
        if (agentAccessSweep.isNegative() || agentAccessSweep.isZero()) {
            throw new IllegalArgumentException(KAFKA + "agent-access-sweep-interval must be longer than 0, not "
                    + agentAccessSweep + " (e.g. 60s)");
        }
        if (maxRecordBytes < MIN_RECORD_BYTES || maxRecordBytes > MAX_RECORD_BYTES_CEILING) {
            throw new IllegalArgumentException(MAX_RECORD_BYTES + " is " + maxRecordBytes + ": give the largest desired-config"
                    + " record in bytes, from " + MIN_RECORD_BYTES + " to " + MAX_RECORD_BYTES_CEILING + " (default "
                    + TenantTopics.DEFAULT_MAX_RECORD_BYTES + "; see docs/operations.md for the settings to raise with it)");
        }
    }

    /**
     * Settings for a laptop: the given database and broker, the default partitions, replication 1, and a
     * fresh signing key of its own (agents must be given its public key, or use {@link #withSigningKey}).
     */
    public static DistributorSettings local(String jdbcUrl, String username, String password, String kafka, String topicPrefix) {
        return new DistributorSettings(jdbcUrl, username, password, kafka, topicPrefix, DEFAULT_TOPIC_PARTITIONS, (short) 1,
                Duration.ofSeconds(1), ConfigSigningKey.generate(), KafkaClientSecurity.plaintext(),
                DEFAULT_AGENT_ACCESS_SWEEP, TenantTopics.DEFAULT_MAX_RECORD_BYTES);
    }

    /** The same settings, signing with {@code key}. */
    public DistributorSettings withSigningKey(ConfigSigningKey key) {
        return new DistributorSettings(jdbcUrl, dbUsername, dbPassword, kafkaBootstrapServers, topicPrefix, topicPartitions,
                topicReplicationFactor, pollInterval, key, kafkaSecurity, agentAccessSweep, maxRecordBytes);
    }

    /**
     * The same settings, reaching Kafka with {@code security}; with SASL the distributor gives each
     * cluster's agent its own Kafka user, its password derived from the cluster's bootstrap credential.
     */
    public DistributorSettings withKafkaSecurity(KafkaClientSecurity security) {
        return new DistributorSettings(jdbcUrl, dbUsername, dbPassword, kafkaBootstrapServers, topicPrefix, topicPartitions,
                topicReplicationFactor, pollInterval, signingKey, security, agentAccessSweep, maxRecordBytes);
    }

    /** The same settings, comparing agents' Kafka access with the database every {@code interval}. */
    public DistributorSettings withAgentAccessSweep(Duration interval) {
        return new DistributorSettings(jdbcUrl, dbUsername, dbPassword, kafkaBootstrapServers, topicPrefix, topicPartitions,
                topicReplicationFactor, pollInterval, signingKey, kafkaSecurity, interval, maxRecordBytes);
    }

    /** The same settings, sending desired-config records of at most {@code bytes}. */
    public DistributorSettings withMaxRecordBytes(int bytes) {
        return new DistributorSettings(jdbcUrl, dbUsername, dbPassword, kafkaBootstrapServers, topicPrefix, topicPartitions,
                topicReplicationFactor, pollInterval, signingKey, kafkaSecurity, agentAccessSweep, bytes);
    }

    /** Whether the distributor creates agents' Kafka credentials and ACLs: whenever its own Kafka uses SASL. */
    public boolean provisionsAgentAccess() {
        return kafkaSecurity.protocol().usesSasl();
    }

    /** Reads the settings; every one has a laptop default, documented in docs/operations.md. */
    public static DistributorSettings from(PropertyResolver properties) {
        List<String> blank = new ArrayList<>();
        String url = nonBlank(properties, "fedmesh.distributor.db.url", "jdbc:postgresql://localhost:5432/fedmesh", blank);
        String kafka = nonBlank(properties, "fedmesh.distributor.kafka.bootstrap-servers", "localhost:9092", blank);
        if (!blank.isEmpty()) {
            throw new IllegalArgumentException(String.join(", ", blank) + " is set but empty; give it a value "
                    + "(e.g. FEDMESH_DISTRIBUTOR_DB_URL=jdbc:postgresql://db:5432/fedmesh, "
                    + "FEDMESH_DISTRIBUTOR_KAFKA_BOOTSTRAP_SERVERS=kafka:9092) or unset it for the default");
        }
        return new DistributorSettings(
                url,
                properties.get("fedmesh.distributor.db.username", String.class, "fedmesh"),
                properties.get("fedmesh.distributor.db.password", String.class, ""),
                kafka,
                properties.get("fedmesh.distributor.topic-prefix", String.class, "fedmesh"),
                properties.get("fedmesh.distributor.topic-partitions", Integer.class, DEFAULT_TOPIC_PARTITIONS),
                properties.get("fedmesh.distributor.topic-replication-factor", Short.class, (short) 1),
                properties.get("fedmesh.distributor.poll-interval", Duration.class, Duration.ofSeconds(1)),
                signingKey(properties),
                kafkaSecurity(properties),
                agentAccessSweep(properties),
                maxRecordBytes(properties));
    }

    /** The record limit, or the default when unset; a value that is no number stops the start. */
    private static int maxRecordBytes(PropertyResolver properties) {
        Optional<String> given = text(properties, MAX_RECORD_BYTES);
        if (given.isEmpty()) {
            return TenantTopics.DEFAULT_MAX_RECORD_BYTES;
        }
        try {
            return Integer.parseInt(given.get());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(MAX_RECORD_BYTES + " is '" + given.get() + "', which is not a whole number"
                    + " of bytes: write e.g. 4194304 for 4 MiB (" + env("max-record-bytes") + ")");
        }
    }

    /** Reads how the distributor's Kafka clients authenticate; a half-given setup stops the start. */
    static KafkaClientSecurity kafkaSecurity(PropertyResolver properties) {
        if (text(properties, KAFKA + "agent-credential-secret-file").isPresent()) {
            throw new IllegalArgumentException(KAFKA + "agent-credential-secret-file is set but no longer used: each"
                    + " agent's Kafka password now derives from its cluster's bootstrap credential, which the agent"
                    + " holds (fedmesh.agent.bootstrap-credential-file). Unset " + env("agent-credential-secret-file")
                    + " and give every agent its cluster's credential (see 'Kafka security' in docs/operations.md)");
        }
        String protocolName = text(properties, KAFKA + "security-protocol").orElse("PLAINTEXT");
        KafkaClientSecurity.Protocol protocol;
        try {
            protocol = KafkaClientSecurity.Protocol.valueOf(protocolName.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw invalid("security-protocol", protocolName, "PLAINTEXT, SASL_PLAINTEXT or SASL_SSL");
        }
        if (!protocol.usesSasl()) {
            for (String setting : List.of("username", "password-file", "truststore-file")) {
                if (text(properties, KAFKA + setting).isPresent()) {
                    throw new IllegalArgumentException(KAFKA + setting + " is set but " + KAFKA + "security-protocol is "
                            + protocol + ", which sends no credentials: set " + env("security-protocol")
                            + "=SASL_SSL (or SASL_PLAINTEXT), or unset " + env(setting));
                }
            }
            return KafkaClientSecurity.plaintext();
        }
        String mechanismName = text(properties, KAFKA + "sasl-mechanism").orElse("SCRAM-SHA-512");
        KafkaClientSecurity.Mechanism mechanism = KafkaClientSecurity.Mechanism.named(mechanismName);
        if (mechanism == null) {
            throw invalid("sasl-mechanism", mechanismName, "SCRAM-SHA-512 or SCRAM-SHA-256");
        }
        String username = text(properties, KAFKA + "username").orElseThrow(() -> missing("username", protocol,
                "fedmesh-distributor", "the distributor's Kafka user, a super user (see 'Kafka security' in docs/operations.md)"));
        Path passwordFile = text(properties, KAFKA + "password-file").map(Path::of).orElseThrow(() -> missing(
                "password-file", protocol, "/etc/fedmesh/kafka-password", "a file holding that user's password"));
        String password = secretFile("password-file", passwordFile);
        Path truststore = null;
        String truststoreType = null;
        String truststorePassword = null;
        if (protocol == KafkaClientSecurity.Protocol.SASL_SSL) {
            truststore = text(properties, KAFKA + "truststore-file").map(Path::of).orElseThrow(() -> missing(
                    "truststore-file", protocol, "/etc/fedmesh/kafka-ca.pem", "the CA certificates the brokers' TLS"
                            + " certificates are checked against (PEM, or PKCS12/JKS with truststore-type)"));
            if (!Files.isReadable(truststore)) {
                throw invalid("truststore-file", truststore.toString(), "a readable file");
            }
            truststoreType = text(properties, KAFKA + "truststore-type").orElse("PEM");
            if (!KafkaClientSecurity.TRUSTSTORE_TYPES.contains(truststoreType.toUpperCase(Locale.ROOT))) {
                throw invalid("truststore-type", truststoreType, String.join(", ", KafkaClientSecurity.TRUSTSTORE_TYPES));
            }
            Optional<Path> truststorePasswordFile = text(properties, KAFKA + "truststore-password-file").map(Path::of);
            if (truststorePasswordFile.isPresent()) {
                truststorePassword = secretFile("truststore-password-file", truststorePasswordFile.get());
            }
        }
        return new KafkaClientSecurity(protocol, mechanism, username, password, truststore, truststoreType,
                truststorePassword);
    }

    /** The sweep interval, or the default when unset; a value that is no duration stops the start. */
    private static Duration agentAccessSweep(PropertyResolver properties) {
        String name = KAFKA + "agent-access-sweep-interval";
        Optional<String> given = text(properties, name);
        if (given.isEmpty()) {
            return DEFAULT_AGENT_ACCESS_SWEEP;
        }
        return properties.get(name, Duration.class).orElseThrow(() -> new IllegalArgumentException(name + " is '"
                + given.get() + "', which is not a duration: write it as 60s, 5m or ISO-8601 (PT60S)"));
    }

    /** The file's content without surrounding white space; errors name the file, never its content. */
    private static String secretFile(String setting, Path file) {
        String content;
        try {
            content = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException | UncheckedIOException e) {
            throw new IllegalArgumentException(KAFKA + setting + " = '" + file + "': the file cannot be read ("
                    + e.getClass().getSimpleName() + "); make it readable by the distributor (" + env(setting) + ")");
        }
        if (content.isEmpty()) {
            throw new IllegalArgumentException(KAFKA + setting + " = '" + file + "': the file is empty; write the"
                    + " password into it (" + env(setting) + ")");
        }
        return content;
    }

    private static Optional<String> text(PropertyResolver properties, String name) {
        return properties.get(name, String.class).map(String::trim).filter(value -> !value.isEmpty());
    }

    private static String env(String kafkaSetting) {
        return (KAFKA + kafkaSetting).toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static IllegalArgumentException invalid(String setting, String value, String expected) {
        return new IllegalArgumentException(KAFKA + setting + " = '" + value + "' is not valid: use " + expected
                + " (" + env(setting) + ")");
    }

    private static IllegalArgumentException missing(String setting, KafkaClientSecurity.Protocol protocol, String example,
                                                    String what) {
        return new IllegalArgumentException(KAFKA + setting + " is not set but " + KAFKA + "security-protocol is "
                + protocol + ": set it to " + what + ", e.g. " + env(setting) + "=" + example);
    }

    /** The signing key is never made up here: agents must already trust it, so a missing one stops the start. */
    private static ConfigSigningKey signingKey(PropertyResolver properties) {
        String file = properties.get(SIGNING_KEY_FILE, String.class).map(String::trim).orElse("");
        if (file.isEmpty()) {
            throw new IllegalArgumentException(SIGNING_KEY_FILE + " is not set: the distributor signs every desired config"
                    + " and agents refuse unsigned ones. Create a key pair with 'java -cp <config-distributor jar>"
                    + " dev.fedmesh.trust.signing.GenerateConfigSigningKey /etc/fedmesh/config-signing-key.pem"
                    + " /etc/fedmesh/config-verifying-key.pem' (or openssl, see 'Config signing keys' in"
                    + " docs/operations.md), set FEDMESH_DISTRIBUTOR_SIGNING_KEY_FILE=/etc/fedmesh/config-signing-key.pem"
                    + " and give every agent the verifying key (fedmesh.agent.config-verifying-keys)");
        }
        try {
            return ConfigSigningKey.read(Path.of(file));
        } catch (InvalidKeyFileException e) {
            throw new IllegalArgumentException(SIGNING_KEY_FILE + " = '" + file + "': " + e.getMessage(), e);
        }
    }

    private static String nonBlank(PropertyResolver properties, String name, String fallback, List<String> blank) {
        String value = properties.get(name, String.class).orElse(fallback);
        if (value.isBlank()) {
            blank.add(name);
        }
        return value;
    }

    /** Never prints a password or the private key. */
    @Override
    public String toString() {
        return "DistributorSettings[jdbcUrl=" + jdbcUrl + ", dbUsername=" + dbUsername + ", kafka=" + kafkaBootstrapServers
                + ", topicPrefix=" + topicPrefix + ", partitions=" + topicPartitions + ", replication=" + topicReplicationFactor
                + ", kafkaSecurity=" + kafkaSecurity + ", maxRecordBytes=" + maxRecordBytes + ", pollInterval=" + pollInterval
                + ", signingKeyId=" + signingKey.keyId()
                + (provisionsAgentAccess() ? ", provisioning agents' Kafka credentials and ACLs, swept every "
                + agentAccessSweep : "") + "]";
    }
}

package dev.fedmesh.distributor;

import dev.fedmesh.trust.signing.ConfigSigningKey;
import dev.fedmesh.trust.signing.InvalidKeyFileException;
import io.micronaut.core.value.PropertyResolver;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

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
        ConfigSigningKey signingKey) {

    static final String SIGNING_KEY_FILE = "fedmesh.distributor.signing-key-file";
    /**
     * Partitions of each new desired topic. An agent reads only its cluster's partition, so more
     * partitions mean fewer other clusters' records fetched per change; each costs the brokers a
     * little per tenant.
     */
    public static final int DEFAULT_TOPIC_PARTITIONS = 8;

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
    }

    /**
     * Settings for a laptop: the given database and broker, the default partitions, replication 1, and a
     * fresh signing key of its own (agents must be given its public key, or use {@link #withSigningKey}).
     */
    public static DistributorSettings local(String jdbcUrl, String username, String password, String kafka, String topicPrefix) {
        return new DistributorSettings(jdbcUrl, username, password, kafka, topicPrefix, DEFAULT_TOPIC_PARTITIONS, (short) 1,
                Duration.ofSeconds(1),
                ConfigSigningKey.generate());
    }

    /** The same settings, signing with {@code key}. */
    public DistributorSettings withSigningKey(ConfigSigningKey key) {
        return new DistributorSettings(jdbcUrl, dbUsername, dbPassword, kafkaBootstrapServers, topicPrefix, topicPartitions,
                topicReplicationFactor, pollInterval, key);
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
                signingKey(properties));
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

    /** Never prints the password or the private key. */
    @Override
    public String toString() {
        return "DistributorSettings[jdbcUrl=" + jdbcUrl + ", dbUsername=" + dbUsername + ", kafka=" + kafkaBootstrapServers
                + ", topicPrefix=" + topicPrefix + ", partitions=" + topicPartitions + ", replication=" + topicReplicationFactor
                + ", pollInterval=" + pollInterval + ", signingKeyId=" + signingKey.keyId() + "]";
    }
}

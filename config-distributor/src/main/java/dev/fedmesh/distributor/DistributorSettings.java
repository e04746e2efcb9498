package dev.fedmesh.distributor;

import io.micronaut.core.value.PropertyResolver;

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
        Duration pollInterval) {

    public DistributorSettings {
        if (topicPartitions < 1) {
            throw new IllegalArgumentException("fedmesh.distributor.topic-partitions must be at least 1, not " + topicPartitions);
        }
        if (topicReplicationFactor < 1) {
            throw new IllegalArgumentException("fedmesh.distributor.topic-replication-factor must be at least 1, not "
                    + topicReplicationFactor);
        }
    }

    /** Settings for a laptop: the given database and broker, one partition, replication 1. */
    public static DistributorSettings local(String jdbcUrl, String username, String password, String kafka, String topicPrefix) {
        return new DistributorSettings(jdbcUrl, username, password, kafka, topicPrefix, 1, (short) 1, Duration.ofSeconds(1));
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
                properties.get("fedmesh.distributor.topic-partitions", Integer.class, 1),
                properties.get("fedmesh.distributor.topic-replication-factor", Short.class, (short) 1),
                properties.get("fedmesh.distributor.poll-interval", Duration.class, Duration.ofSeconds(1)));
    }

    private static String nonBlank(PropertyResolver properties, String name, String fallback, List<String> blank) {
        String value = properties.get(name, String.class).orElse(fallback);
        if (value.isBlank()) {
            blank.add(name);
        }
        return value;
    }

    /** Never prints the password. */
    @Override
    public String toString() {
        return "DistributorSettings[jdbcUrl=" + jdbcUrl + ", dbUsername=" + dbUsername + ", kafka=" + kafkaBootstrapServers
                + ", topicPrefix=" + topicPrefix + ", partitions=" + topicPartitions + ", replication=" + topicReplicationFactor
                + ", pollInterval=" + pollInterval + "]";
    }
}

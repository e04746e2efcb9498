package dev.fedmesh.distributor;

import io.micronaut.core.value.PropertyResolver;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How a distributor connects and behaves. Read from Micronaut configuration: application.yml,
 * system properties, or environment variables (FEDMESH_DISTRIBUTOR_DB_URL for
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

    public static DistributorSettings from(PropertyResolver properties) {
        List<String> missing = new ArrayList<>();
        String url = required(properties, "fedmesh.distributor.db.url", missing);
        String kafka = required(properties, "fedmesh.distributor.kafka.bootstrap-servers", missing);
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("missing configuration: " + String.join(", ", missing)
                    + "; set them in application.yml or as environment variables (e.g. FEDMESH_DISTRIBUTOR_DB_URL, "
                    + "FEDMESH_DISTRIBUTOR_KAFKA_BOOTSTRAP_SERVERS)");
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

    private static String required(PropertyResolver properties, String name, List<String> missing) {
        String value = properties.get(name, String.class).orElse(null);
        if (value == null || value.isBlank()) {
            missing.add(name);
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

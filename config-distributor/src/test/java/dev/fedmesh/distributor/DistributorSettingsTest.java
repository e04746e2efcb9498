package dev.fedmesh.distributor;

import io.micronaut.context.ApplicationContext;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DistributorSettingsTest {

    @Test
    void settingsComeFromConfigurationWithSafeDefaults() {
        try (ApplicationContext context = ApplicationContext.builder().deduceEnvironment(false).properties(Map.of(
                "fedmesh.distributor.db.url", "jdbc:postgresql://db:5432/fedmesh",
                "fedmesh.distributor.db.password", "s3cret",
                "fedmesh.distributor.kafka.bootstrap-servers", "kafka:9092",
                "fedmesh.distributor.poll-interval", "250ms")).start()) {
            DistributorSettings settings = DistributorSettings.from(context.getEnvironment());

            assertThat(settings.jdbcUrl()).isEqualTo("jdbc:postgresql://db:5432/fedmesh");
            assertThat(settings.pollInterval()).isEqualTo(Duration.ofMillis(250));
            assertThat(settings.topicPrefix()).isEqualTo("fedmesh");
            assertThat(settings.toString()).doesNotContain("s3cret");
        }
    }

    @Test
    void emptySettingsAreNamedWithTheFix() {
        try (ApplicationContext context = ApplicationContext.builder().deduceEnvironment(false).properties(Map.of(
                "fedmesh.distributor.db.url", "",
                "fedmesh.distributor.kafka.bootstrap-servers", " ")).start()) {
            assertThatThrownBy(() -> DistributorSettings.from(context.getEnvironment()))
                    .hasMessageContaining("fedmesh.distributor.db.url")
                    .hasMessageContaining("fedmesh.distributor.kafka.bootstrap-servers")
                    .hasMessageContaining("FEDMESH_DISTRIBUTOR_DB_URL");
        }
    }

    @Test
    void withNothingConfiguredALaptopsDefaultsApply() {
        try (ApplicationContext context = ApplicationContext.builder().deduceEnvironment(false).start()) {
            DistributorSettings settings = DistributorSettings.from(context.getEnvironment());

            assertThat(settings.jdbcUrl()).isEqualTo("jdbc:postgresql://localhost:5432/fedmesh");
            assertThat(settings.kafkaBootstrapServers()).isEqualTo("localhost:9092");
            assertThat(settings.topicReplicationFactor()).isEqualTo((short) 1);
        }
    }
}

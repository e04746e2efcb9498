package dev.fedmesh.distributor.access;

import dev.fedmesh.distributor.DistributorSettings;
import dev.fedmesh.trust.signing.ConfigSigningKey;
import io.micronaut.context.ApplicationContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** fedmesh.distributor.kafka.agent-access-sweep-interval: how often agents' access is compared with the tenants. */
class AgentAccessSweepIntervalTest {
    private static final String INTERVAL = "fedmesh.distributor.kafka.agent-access-sweep-interval";

    @TempDir
    Path dir;
    private Path keyFile;

    @BeforeEach
    void createSigningKey() throws IOException {
        keyFile = dir.resolve("config-signing-key.pem");
        ConfigSigningKey.generate().write(keyFile);
    }

    @Test
    void withoutTheSettingTheSweepRunsEveryMinute() {
        assertThat(settingsWith(null).agentAccessSweep()).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void theIntervalIsReadAsADuration() {
        assertThat(settingsWith("5m").agentAccessSweep()).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void aValueThatIsNoDurationStopsTheStartNamingTheProperty() {
        assertThatThrownBy(() -> settingsWith("often"))
                .hasMessageContaining(INTERVAL)
                .hasMessageContaining("'often'")
                .hasMessageContaining("60s");
    }

    @Test
    void aZeroIntervalIsRefused() {
        assertThatThrownBy(() -> settingsWith("0s")).hasMessageContaining(INTERVAL).hasMessageContaining("longer than 0");
    }

    private DistributorSettings settingsWith(String interval) {
        Map<String, Object> properties = new HashMap<>(Map.of("fedmesh.distributor.signing-key-file", keyFile.toString()));
        if (interval != null) {
            properties.put(INTERVAL, interval);
        }
        try (ApplicationContext context = ApplicationContext.builder().deduceEnvironment(false).properties(properties).start()) {
            return DistributorSettings.from(context.getEnvironment());
        }
    }
}

package dev.fedmesh.agent.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fedmesh.agent.InvalidAgentSettingsException;
import io.micronaut.context.ApplicationContext;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProbeSettingsTest {

    @Test
    void nothingSetGivesTheDefaults() {
        assertThat(read(Map.of())).isEqualTo(ProbeSettings.DEFAULT);
        assertThat(ProbeSettings.DEFAULT).isEqualTo(
                new ProbeSettings(Duration.ofMillis(400), Duration.ofMillis(350), 3, 3, 3));
    }

    @Test
    void theDefaultsDeclareADarkClusterWellWithinTheTwoSecondFailoverBudget() {
        // 0.4 s for the round already under way, 2 x 0.4 s more rounds, 0.35 s for the last connect.
        assertThat(ProbeSettings.DEFAULT.worstCaseDetection()).isEqualTo(Duration.ofMillis(1550));
    }

    @Test
    void everySettingIsReadFromItsProperty() {
        ProbeSettings settings = read(Map.of(
                "fedmesh.agent.probes.interval", "PT1S",
                "fedmesh.agent.probes.connect-timeout", "800ms",
                "fedmesh.agent.probes.fall", "5",
                "fedmesh.agent.probes.rise", "2",
                "fedmesh.agent.probes.targets-per-cluster", "4"));

        assertThat(settings).isEqualTo(new ProbeSettings(Duration.ofSeconds(1), Duration.ofMillis(800), 5, 2, 4));
    }

    @Test
    void aConnectTimeoutNotShorterThanTheIntervalIsRefusedNamingBoth() {
        assertThatThrownBy(() -> read(Map.of("fedmesh.agent.probes.connect-timeout", "400ms")))
                .isInstanceOf(InvalidAgentSettingsException.class)
                .hasMessageContaining("fedmesh.agent.probes.connect-timeout = '400ms'")
                .hasMessageContaining("less than probes.interval (400ms)")
                .hasMessageContaining("FEDMESH_AGENT_PROBES_INTERVAL");
    }

    @Test
    void unusableValuesAreRefusedNamingThePropertyAndAnExample() {
        assertThatThrownBy(() -> read(Map.of("fedmesh.agent.probes.interval", "soon")))
                .isInstanceOf(InvalidAgentSettingsException.class)
                .hasMessageContaining("fedmesh.agent.probes.interval = 'soon'")
                .hasMessageContaining("PT0.4S or 400ms");
        assertThatThrownBy(() -> read(Map.of("fedmesh.agent.probes.fall", "0")))
                .hasMessageContaining("fedmesh.agent.probes.fall = '0'")
                .hasMessageContaining("FEDMESH_AGENT_PROBES_FALL");
        assertThatThrownBy(() -> read(Map.of("fedmesh.agent.probes.rise", "three")))
                .hasMessageContaining("fedmesh.agent.probes.rise = 'three'")
                .hasMessageContaining("a whole number");
        assertThatThrownBy(() -> read(Map.of("fedmesh.agent.probes.targets-per-cluster", "0")))
                .hasMessageContaining("fedmesh.agent.probes.targets-per-cluster = '0'");
        assertThatThrownBy(() -> read(Map.of("fedmesh.agent.probes.interval", "-PT1S")))
                .hasMessageContaining("fedmesh.agent.probes.interval = 'PT-1S'");
    }

    private static ProbeSettings read(Map<String, Object> properties) {
        try (ApplicationContext context = ApplicationContext.builder()
                .deduceEnvironment(false)
                .properties(properties)
                .start()) {
            return ProbeSettings.from(context.getEnvironment());
        }
    }
}

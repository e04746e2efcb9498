package dev.fedmesh.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fedmesh.policy.xds.ServiceEndpoint;
import io.micronaut.context.ApplicationContext;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentSettingsTest {

    @Test
    void onlyTenantAndClusterAreRequiredEverythingElseHasLaptopDefaults() {
        AgentSettings settings = read(Map.of("fedmesh.agent.tenant", "acme", "fedmesh.agent.cluster", "eu-west-1"));

        assertThat(settings).isEqualTo(new AgentSettings("acme", "eu-west-1", "localhost:9092", "fedmesh", 18000,
                Path.of("fedmesh-agent-state"), List.of()));
        assertThat(settings.desiredTopic()).isEqualTo("fedmesh.acme.desired");
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

    private static AgentSettings read(Map<String, Object> properties) {
        try (ApplicationContext context = ApplicationContext.builder()
                .deduceEnvironment(false)
                .properties(properties)
                .start()) {
            return AgentSettings.from(context.getEnvironment());
        }
    }
}

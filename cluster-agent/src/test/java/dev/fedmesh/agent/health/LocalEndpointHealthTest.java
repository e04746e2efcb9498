package dev.fedmesh.agent.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fedmesh.api.v1.EndpointHealth;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LocalEndpointHealthTest {

    private static final EndpointHealth HEALTHY = EndpointHealth.ENDPOINT_HEALTH_HEALTHY;
    private static final EndpointHealth UNHEALTHY = EndpointHealth.ENDPOINT_HEALTH_UNHEALTHY;
    private static final ProbeSettings SETTINGS = new ProbeSettings(Duration.ofMillis(400), Duration.ofMillis(300), 3, 2, 3);

    private final List<TcpServer> servers = new ArrayList<>();
    private TcpProber prober;
    private Endpoints inventory;
    private LocalEndpointHealth health;

    @BeforeEach
    void start() {
        prober = new TcpProber("local-health-test");
        inventory = new Endpoints();
        health = new LocalEndpointHealth(inventory, prober, SETTINGS);
    }

    @AfterEach
    void stop() {
        health.close();
        prober.close();
        servers.forEach(TcpServer::close);
    }

    @Test
    void anAnsweringEndpointIsMadeHealthyOnceAfterRisePasses() {
        TcpServer server = server();
        ServiceEndpoint greeter = endpoint("greeter", server);
        inventory.probed.add(greeter);

        assertThat(health.probeRound()).isEmpty();
        assertThat(health.probeRound()).containsExactly(Map.entry(greeter, HEALTHY));
        assertThat(health.probeRound()).isEmpty();
        assertThat(health.probeRound()).isEmpty();

        assertThat(inventory.told).containsExactly(Map.entry(greeter, HEALTHY));
    }

    @Test
    void anEndpointThatStopsAnsweringIsUnhealthyAfterFallFailuresAndHealthyAgainWhenItReturns() {
        TcpServer server = server();
        ServiceEndpoint greeter = endpoint("greeter", server);
        inventory.probed.add(greeter);
        rounds(2);

        server.goDark();
        assertThat(health.probeRound()).isEmpty();
        assertThat(health.probeRound()).isEmpty();
        assertThat(health.probeRound()).containsExactly(Map.entry(greeter, UNHEALTHY));
        assertThat(health.probeRound()).isEmpty();

        server.answer();
        assertThat(health.probeRound()).isEmpty();
        assertThat(health.probeRound()).containsExactly(Map.entry(greeter, HEALTHY));

        assertThat(inventory.told).containsExactly(
                Map.entry(greeter, HEALTHY), Map.entry(greeter, UNHEALTHY), Map.entry(greeter, HEALTHY));
    }

    @Test
    void aRefusingEndpointBesideAnAnsweringOneIsTheOnlyOneMadeUnhealthy() {
        TcpServer up = server();
        TcpServer refusing = server();
        refusing.refuse();
        ServiceEndpoint greeter = endpoint("greeter", up);
        ServiceEndpoint billing = endpoint("billing", refusing);
        inventory.probed.addAll(List.of(greeter, billing));

        rounds(3);

        assertThat(inventory.told).containsExactlyInAnyOrder(Map.entry(greeter, HEALTHY), Map.entry(billing, UNHEALTHY));
    }

    @Test
    void aFlappingEndpointKeepsItsHealth() {
        TcpServer server = server();
        ServiceEndpoint greeter = endpoint("greeter", server);
        inventory.probed.add(greeter);
        rounds(2);

        for (int i = 0; i < 3; i++) {
            server.goDark();
            health.probeRound();
            health.probeRound();
            server.answer();
            health.probeRound();
        }

        assertThat(inventory.told).containsExactly(Map.entry(greeter, HEALTHY));
    }

    @Test
    void anEndpointLeavingTheListIsForgottenAndStartsAfreshWhenItComesBack() {
        TcpServer server = server();
        ServiceEndpoint greeter = endpoint("greeter", server);
        inventory.probed.add(greeter);
        rounds(2);
        inventory.probed.clear();
        rounds(3);

        inventory.probed.add(greeter);
        assertThat(health.probeRound()).as("unknown again: one pass is not enough").isEmpty();
        assertThat(health.probeRound()).containsExactly(Map.entry(greeter, HEALTHY));
    }

    @Test
    void probesFailingBecauseTheProberStoppedChangeNoHealth() {
        TcpServer server = server();
        ServiceEndpoint greeter = endpoint("greeter", server);
        inventory.probed.add(greeter);
        rounds(2);

        prober.close();
        rounds(4);

        assertThat(inventory.told).containsExactly(Map.entry(greeter, HEALTHY));
    }

    @Test
    void probesOnItsOwnScheduleOnceStarted() throws InterruptedException {
        TcpServer server = server();
        ServiceEndpoint greeter = endpoint("greeter", server);
        inventory.probed.add(greeter);

        health.start();

        assertThat(inventory.changes.poll(30, TimeUnit.SECONDS)).isEqualTo(Map.entry(greeter, HEALTHY));
        server.refuse();
        assertThat(inventory.changes.poll(30, TimeUnit.SECONDS)).isEqualTo(Map.entry(greeter, UNHEALTHY));
    }

    private void rounds(int count) {
        for (int i = 0; i < count; i++) {
            health.probeRound();
        }
    }

    private TcpServer server() {
        TcpServer server = TcpServer.answering();
        servers.add(server);
        return server;
    }

    private static ServiceEndpoint endpoint(String service, TcpServer server) {
        return new ServiceEndpoint(service, "127.0.0.1", server.port(), Map.of());
    }

    /** The two calls the agent's local inventory answers, kept in memory. */
    private static final class Endpoints implements ProbedEndpoints {
        final List<ServiceEndpoint> probed = new CopyOnWriteArrayList<>();
        final List<Map.Entry<ServiceEndpoint, EndpointHealth>> told = new CopyOnWriteArrayList<>();
        final LinkedBlockingQueue<Map.Entry<ServiceEndpoint, EndpointHealth>> changes = new LinkedBlockingQueue<>();

        @Override
        public List<ServiceEndpoint> probed() {
            return List.copyOf(probed);
        }

        @Override
        public void health(ServiceEndpoint endpoint, EndpointHealth health) {
            told.add(Map.entry(endpoint, health));
            changes.add(Map.entry(endpoint, health));
        }
    }
}

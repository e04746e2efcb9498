package dev.fedmesh.agent.inventory;

import static dev.fedmesh.agent.registration.GreeterAgent.SERVICE;
import static dev.fedmesh.agent.registration.GreeterAgent.answering;
import static dev.fedmesh.agent.registration.GreeterAgent.await;
import static dev.fedmesh.agent.registration.GreeterAgent.bootstrap;
import static dev.fedmesh.agent.registration.GreeterAgent.call;
import static dev.fedmesh.agent.registration.GreeterAgent.greeterMetadata;
import static dev.fedmesh.agent.registration.GreeterAgent.settings;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.fedmesh.agent.ClusterAgent;
import dev.fedmesh.agent.registration.GreeterAgent;
import dev.fedmesh.api.v1.EndpointHealth;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.testing.FreePort;
import dev.fedmesh.testing.TestResources;
import dev.fedmesh.testing.xds.ProxylessClients;
import dev.fedmesh.testing.xds.ProxylessServers;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * An agent restart loses no endpoint: registered ones come back as they were, those of connected
 * workloads are kept while the workloads reconnect, confirmed when they do and removed when they do
 * not within the grace period. Tried with a real agent, stopped and started again on the same state
 * directory and xDS port, and a real grpc-java {@code XdsServerBuilder} server that reconnects by itself.
 */
class AgentRestartKeepsEndpointsTest {

    private static final ServiceEndpoint DATABASE = new ServiceEndpoint("orders-db", "10.0.0.7", 5432, Map.of());

    @TempDir
    Path dir;

    @AutoClose
    private final TestResources resources = new TestResources();

    @Test
    void afterARestartRegisteredEndpointsAreBackAndAReconnectingServerIsConfirmedAndCountedOnce() throws Exception {
        int xdsPort = FreePort.find();
        Path state = dir.resolve("state");
        ClusterAgent before = resources.add(GreeterAgent.start(settings(state, xdsPort).build()));
        before.inventory().putRegistered(new AnnouncedEndpoint(DATABASE, "orders"));
        int port = FreePort.find();
        Server server = ProxylessServers.start(bootstrap(xdsPort, "greeter-1", greeterMetadata(port, "v1")), port,
                answering("greeter-1"));
        resources.add(() -> ProxylessServers.stop(server));
        ServiceEndpoint greeter = new ServiceEndpoint(SERVICE, "127.0.0.1", port, Map.of("version", "v1"));
        assertThat(before.inventory().endpoints()).containsExactlyInAnyOrder(DATABASE, greeter);

        before.close();
        ClusterAgent after = resources.add(GreeterAgent.start(settings(state, xdsPort)
                .reconnectGracePeriod(Duration.ofMinutes(5)).build()));

        assertThat(after.inventory().entries()).contains(new LocalEndpoint(DATABASE, Set.of(EndpointSource.REGISTERED),
                "orders", EndpointHealth.ENDPOINT_HEALTH_UNKNOWN));
        assertThat(after.inventory().endpoints()).containsExactlyInAnyOrder(DATABASE, greeter);
        await("the greeter server to reconnect", () -> after.inventory().entries().contains(new LocalEndpoint(greeter,
                Set.of(EndpointSource.CONNECTED), "greeter", EndpointHealth.ENDPOINT_HEALTH_HEALTHY)));
        assertThat(after.inventory().endpoints()).containsExactlyInAnyOrder(DATABASE, greeter);
        ManagedChannel channel = ProxylessClients.channel("127.0.0.1:" + xdsPort, "frontend-1", SERVICE);
        resources.add(() -> ProxylessClients.close(channel));
        assertThat(call(channel)).isEqualTo("greeter-1");
    }

    @Test
    void aWorkloadThatDoesNotReconnectWithinTheGracePeriodIsRemovedAndRegisteredOnesStay() throws Exception {
        ListAppender<ILoggingEvent> log = capture();
        int xdsPort = FreePort.find();
        Path state = dir.resolve("state");
        ClusterAgent before = resources.add(GreeterAgent.start(settings(state, xdsPort).build()));
        before.inventory().putRegistered(new AnnouncedEndpoint(DATABASE, ""));
        ServiceEndpoint gone = new ServiceEndpoint(SERVICE, "10.0.0.9", 9000, Map.of());
        before.inventory().add(new AnnouncedEndpoint(gone, ""), EndpointSource.CONNECTED);
        before.close();
        assertThat(Files.readString(state.resolve("acme/east").resolve(InventoryState.FILE_NAME)))
                .contains("10.0.0.9", "10.0.0.7");

        ClusterAgent after = resources.add(GreeterAgent.start(settings(state, xdsPort)
                .reconnectGracePeriod(Duration.ofMillis(500)).build()));

        await("the workload that did not reconnect to be removed", () -> after.inventory().endpoints().equals(
                List.of(DATABASE)));
        // Logged just after the removal, by the grace timer's thread.
        await("the removal to be logged", () -> warnings(log).stream()
                .anyMatch(line -> line.contains("removed 1 endpoint(s)") && line.contains("did not reconnect")));
    }

    @Test
    void aDamagedEndpointsFileIsMovedAsideAndTheAgentStartsWithoutIt() throws Exception {
        Path state = dir.resolve("state");
        Path file = state.resolve("acme/east").resolve(InventoryState.FILE_NAME);
        Files.createDirectories(file.getParent());
        Files.writeString(file, "{\"registered\": [{\"service\": \"orders-db\", \"host\": \"10.0.0.7\", \"po");

        ClusterAgent agent = resources.add(GreeterAgent.start(settings(state, FreePort.find()).build()));

        assertThat(agent.inventory().endpoints()).isEmpty();
        assertThat(file.resolveSibling(file.getFileName() + ".damaged")).content()
                .startsWith("{\"registered\": [{\"service\": \"orders-db\"");
        agent.inventory().putRegistered(new AnnouncedEndpoint(DATABASE, ""));
        assertThat(file).content().contains("orders-db", "10.0.0.7");
    }

    private static List<String> warnings(ListAppender<ILoggingEvent> log) {
        // The appender adds under its own lock.
        synchronized (log) {
            return log.list.stream().filter(event -> event.getLevel() == Level.WARN)
                    .map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    private ListAppender<ILoggingEvent> capture() {
        Logger logger = (Logger) LoggerFactory.getLogger(InventoryState.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        resources.add(() -> logger.detachAppender(appender));
        return appender;
    }
}

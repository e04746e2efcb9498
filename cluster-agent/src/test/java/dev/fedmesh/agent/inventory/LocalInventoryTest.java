package dev.fedmesh.agent.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fedmesh.api.v1.ClusterInventory;
import dev.fedmesh.api.v1.EndpointHealth;
import dev.fedmesh.api.v1.InventoryEndpoint;
import dev.fedmesh.api.v1.InventoryService;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LocalInventoryTest {

    private static final ServiceEndpoint V1 = new ServiceEndpoint("greeter", "10.0.0.1", 8080, Map.of("version", "v1"));
    private static final ServiceEndpoint V2 = new ServiceEndpoint("greeter", "10.0.0.2", 8080, Map.of("version", "v2"));

    @Test
    void listenerHearsTheCurrentStateAtOnceAndEveryRealChangeAfter() {
        LocalInventory inventory = new LocalInventory();
        inventory.register(V1);
        List<String> heard = new ArrayList<>();

        inventory.addListener((endpoints, generation) -> heard.add(generation + ":" + endpoints.size()));
        inventory.register(V2);
        inventory.register(V2);
        inventory.deregister(V1);
        inventory.deregister(V1);

        assertThat(heard).containsExactly("1:1", "2:2", "3:1");
        assertThat(inventory.endpoints()).containsExactly(V2);
        assertThat(inventory.generation()).isEqualTo(3);
    }

    @Test
    void registeringTwiceOrDeregisteringAnUnknownEndpointChangesNothing() {
        LocalInventory inventory = new LocalInventory();

        assertThat(inventory.register(V1)).isTrue();
        assertThat(inventory.register(V1)).isFalse();
        assertThat(inventory.deregister(V2)).isFalse();
        assertThat(inventory.generation()).isEqualTo(1);
    }

    @Test
    void anEndpointStaysWhileAnySourceRemainsAndIsHealthyWhileItsWorkloadIsConnected() {
        LocalInventory inventory = new LocalInventory();
        inventory.register(V1);
        inventory.add(new AnnouncedEndpoint(V1, "greeter"), EndpointSource.CONNECTED);

        assertThat(inventory.entries()).containsExactly(new LocalEndpoint(V1,
                Set.of(EndpointSource.STATIC, EndpointSource.CONNECTED), "greeter", EndpointHealth.ENDPOINT_HEALTH_HEALTHY));
        assertThat(inventory.probed()).isEmpty();

        inventory.remove(V1, EndpointSource.CONNECTED);
        assertThat(inventory.entries()).containsExactly(new LocalEndpoint(V1, Set.of(EndpointSource.STATIC), "greeter",
                EndpointHealth.ENDPOINT_HEALTH_UNKNOWN));
        assertThat(inventory.probed()).containsExactly(V1);
        inventory.deregister(V1);
        assertThat(inventory.endpoints()).isEmpty();
    }

    @Test
    void probedHealthIsHeardByListenersOnlyWhenItChangesWhatTheySee() {
        LocalInventory inventory = new LocalInventory();
        inventory.register(V1);
        List<Long> heard = new ArrayList<>();
        inventory.addListener((endpoints, generation) -> heard.add(generation));

        inventory.health(V1, EndpointHealth.ENDPOINT_HEALTH_UNHEALTHY);
        inventory.health(V1, EndpointHealth.ENDPOINT_HEALTH_UNHEALTHY);
        inventory.health(V2, EndpointHealth.ENDPOINT_HEALTH_UNHEALTHY);
        assertThat(inventory.healthOf(V1)).isEqualTo(EndpointHealth.ENDPOINT_HEALTH_UNHEALTHY);

        // While its workload is connected, the stream says it is healthy; the probe's word returns after.
        inventory.add(new AnnouncedEndpoint(V1, ""), EndpointSource.CONNECTED);
        assertThat(inventory.healthOf(V1)).isEqualTo(EndpointHealth.ENDPOINT_HEALTH_HEALTHY);
        inventory.health(V1, EndpointHealth.ENDPOINT_HEALTH_HEALTHY);
        inventory.remove(V1, EndpointSource.CONNECTED);
        assertThat(inventory.healthOf(V1)).isEqualTo(EndpointHealth.ENDPOINT_HEALTH_HEALTHY);

        assertThat(heard).containsExactly(1L, 2L, 3L, 4L);
    }

    @Test
    void aRoundOfProbesTurningEndpointsHealthyIsOneChange() {
        LocalInventory inventory = new LocalInventory();
        inventory.register(V1);
        inventory.register(V2);
        List<Long> heard = new ArrayList<>();
        inventory.addListener((endpoints, generation) -> heard.add(generation));

        inventory.health(Map.of(V1, EndpointHealth.ENDPOINT_HEALTH_HEALTHY, V2, EndpointHealth.ENDPOINT_HEALTH_UNHEALTHY));
        inventory.health(Map.of(V1, EndpointHealth.ENDPOINT_HEALTH_HEALTHY));

        assertThat(heard).containsExactly(2L, 3L);
        assertThat(inventory.healthOf(V1)).isEqualTo(EndpointHealth.ENDPOINT_HEALTH_HEALTHY);
        assertThat(inventory.healthOf(V2)).isEqualTo(EndpointHealth.ENDPOINT_HEALTH_UNHEALTHY);
    }

    @Test
    void aRegistrationReplacesTheOneAtTheSameAddressAsOneChange() {
        LocalInventory inventory = new LocalInventory();
        assertThat(inventory.putRegistered(new AnnouncedEndpoint(V1, "db"))).isTrue();
        ServiceEndpoint relabelled = new ServiceEndpoint("greeter", "10.0.0.1", 8080, Map.of("version", "v3"));

        assertThat(inventory.putRegistered(new AnnouncedEndpoint(relabelled, "db"))).isFalse();

        assertThat(inventory.endpoints()).containsExactly(relabelled);
        assertThat(inventory.generation()).isEqualTo(2);
        assertThat(inventory.removeRegistered("greeter", "10.0.0.1", 8080)).contains(relabelled);
        assertThat(inventory.removeRegistered("greeter", "10.0.0.1", 8080)).isEmpty();
    }

    @Test
    void restoredEndpointsAreConfirmedByAReconnectAndTheRestExpire() {
        LocalInventory inventory = new LocalInventory();
        inventory.add(new AnnouncedEndpoint(V1, ""), EndpointSource.RESTORED);
        inventory.add(new AnnouncedEndpoint(V2, ""), EndpointSource.RESTORED);
        assertThat(inventory.probed()).containsExactly(V1, V2);

        inventory.add(new AnnouncedEndpoint(V1, ""), EndpointSource.CONNECTED);

        assertThat(inventory.expireRestored()).isEqualTo(1);
        assertThat(inventory.entries()).containsExactly(new LocalEndpoint(V1, Set.of(EndpointSource.CONNECTED), "",
                EndpointHealth.ENDPOINT_HEALTH_HEALTHY));
    }

    @Test
    void theSnapshotSortsServicesAndEndpointsAndCarriesHealthAndServiceAccount() {
        Instant now = Instant.parse("2026-12-07T06:00:00Z");
        LocalInventory inventory = new LocalInventory(Clock.fixed(now, ZoneOffset.UTC));
        ServiceEndpoint frontend = new ServiceEndpoint("frontend", "10.0.1.1", 9090, Map.of());
        ServiceEndpoint v1OtherPort = new ServiceEndpoint("greeter", "10.0.0.1", 80, Map.of("version", "v1"));
        inventory.register(V2);
        inventory.register(V1);
        inventory.add(new AnnouncedEndpoint(v1OtherPort, "greeter"), EndpointSource.CONNECTED);
        inventory.putRegistered(new AnnouncedEndpoint(frontend, "web"));
        inventory.health(V2, EndpointHealth.ENDPOINT_HEALTH_UNHEALTHY);

        ClusterInventory snapshot = inventory.snapshot("acme", "east");

        assertThat(snapshot.getTenant()).isEqualTo("acme");
        assertThat(snapshot.getCluster()).isEqualTo("east");
        assertThat(snapshot.getGeneration()).isEqualTo(inventory.generation());
        assertThat(snapshot.getObservedAt().getSeconds()).isEqualTo(now.getEpochSecond());
        assertThat(snapshot.getServicesList()).containsExactly(
                InventoryService.newBuilder().setName("frontend").addEndpoints(InventoryEndpoint.newBuilder()
                        .setHost("10.0.1.1").setPort(9090).setServiceAccount("web")).build(),
                InventoryService.newBuilder().setName("greeter")
                        .addEndpoints(InventoryEndpoint.newBuilder().setHost("10.0.0.1").setPort(80)
                                .putLabels("version", "v1").setServiceAccount("greeter")
                                .setHealth(EndpointHealth.ENDPOINT_HEALTH_HEALTHY))
                        .addEndpoints(InventoryEndpoint.newBuilder().setHost("10.0.0.1").setPort(8080)
                                .putLabels("version", "v1"))
                        .addEndpoints(InventoryEndpoint.newBuilder().setHost("10.0.0.2").setPort(8080)
                                .putLabels("version", "v2").setHealth(EndpointHealth.ENDPOINT_HEALTH_UNHEALTHY))
                        .build());
    }

    @Test
    void aFailingHealthCheckMakesEvenAConnectedEndpointUnhealthyAndNoVerdictLeavesItsHealthAsItWas() {
        LocalInventory inventory = new LocalInventory();
        inventory.add(new AnnouncedEndpoint(V1, "greeter"), EndpointSource.CONNECTED);

        inventory.checked(Map.of(V1, EndpointHealth.ENDPOINT_HEALTH_UNHEALTHY));
        assertThat(inventory.healthOf(V1)).isEqualTo(EndpointHealth.ENDPOINT_HEALTH_UNHEALTHY);

        inventory.checked(Map.of(V1, EndpointHealth.ENDPOINT_HEALTH_UNKNOWN));
        assertThat(inventory.healthOf(V1)).as("the open stream decides again").isEqualTo(EndpointHealth.ENDPOINT_HEALTH_HEALTHY);
    }

    @Test
    void aPassingHealthCheckDoesNotHideAClosedPort() {
        LocalInventory inventory = new LocalInventory();
        inventory.register(V1);
        inventory.register(V2);

        inventory.checked(Map.of(V1, EndpointHealth.ENDPOINT_HEALTH_HEALTHY, V2, EndpointHealth.ENDPOINT_HEALTH_HEALTHY));
        assertThat(inventory.healthOf(V1)).as("passed its check, not yet probed").isEqualTo(EndpointHealth.ENDPOINT_HEALTH_HEALTHY);

        inventory.health(V2, EndpointHealth.ENDPOINT_HEALTH_UNHEALTHY);
        assertThat(inventory.healthOf(V2)).isEqualTo(EndpointHealth.ENDPOINT_HEALTH_UNHEALTHY);
    }
}

package dev.fedmesh.distributor.inventory;

import dev.fedmesh.api.InventoryLimits;
import dev.fedmesh.api.v1.ClusterInventory;
import dev.fedmesh.api.v1.InventoryEndpoint;
import dev.fedmesh.api.v1.InventoryService;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class InventoryBoundsTest {

    private static final InventoryEndpoint ENDPOINT = InventoryEndpoint.newBuilder().setHost("10.0.0.1").setPort(8080)
            .putLabels("version", "v1").setServiceAccount("greeter").build();

    @Test
    void anInventoryWithinTheLimitsHasNoProblem() {
        ClusterInventory inventory = of(InventoryService.newBuilder().setName("greeter").addEndpoints(ENDPOINT).build());

        assertThat(InventoryBounds.problem(inventory, inventory.getSerializedSize())).isEmpty();
        assertThat(InventoryBounds.problem(ClusterInventory.getDefaultInstance(), 0)).as("a cluster with no endpoint")
                .isEmpty();
    }

    @Test
    void eachProblemNamesTheFieldAndTheLimit() {
        assertThat(problem(ENDPOINT.toBuilder().setPort(0))).contains("services[0].endpoints[0].port is 0")
                .contains("between 1 and 65535");
        assertThat(problem(ENDPOINT.toBuilder().setPort(70_000))).contains("port is 70000");
        assertThat(problem(ENDPOINT.toBuilder().setHost(""))).contains("services[0].endpoints[0].host is empty");
        assertThat(problem(ENDPOINT.toBuilder().setHost("a".repeat(254)))).contains("host has 254 characters")
                .contains("253");
        assertThat(problem(ENDPOINT.toBuilder().setHost("10.0.0.1\u0000"))).contains("control character");
        assertThat(problem(ENDPOINT.toBuilder().putLabels("version", "v".repeat(64))))
                .contains("labels['version'] has 64 characters");
        assertThat(problem(ENDPOINT.toBuilder().setServiceAccount("s\nx"))).contains("service_account holds a control");
        InventoryEndpoint.Builder labelled = ENDPOINT.toBuilder();
        for (int i = 0; i <= InventoryLimits.MAX_LABELS; i++) {
            labelled.putLabels("k" + i, "v");
        }
        assertThat(problem(labelled)).contains("labels has " + (InventoryLimits.MAX_LABELS + 2) + " labels");
    }

    @Test
    void tooManyServicesEndpointsOrBytesAreRefusedWhole() {
        ClusterInventory.Builder services = ClusterInventory.newBuilder();
        for (int i = 0; i <= InventoryLimits.MAX_SERVICES; i++) {
            services.addServices(InventoryService.newBuilder().setName("s" + i).addEndpoints(ENDPOINT));
        }
        assertThat(InventoryBounds.problem(services.build(), 1)).get().asString()
                .contains("services lists " + (InventoryLimits.MAX_SERVICES + 1) + " services");

        InventoryService.Builder crowded = InventoryService.newBuilder().setName("crowded");
        for (int i = 0; i <= InventoryLimits.MAX_ENDPOINTS; i++) {
            crowded.addEndpoints(ENDPOINT);
        }
        assertThat(InventoryBounds.problem(of(crowded.build()), 1)).get().asString()
                .contains("more than " + InventoryLimits.MAX_ENDPOINTS + " endpoints");

        assertThat(InventoryBounds.problem(ClusterInventory.getDefaultInstance(), InventoryLimits.MAX_INVENTORY_BYTES + 1))
                .get().asString().contains("bytes");
    }

    @Test
    void healthyCountsUnknownAsHealthyAndUnhealthyNot() {
        ClusterInventory inventory = of(InventoryService.newBuilder().setName("greeter")
                .addEndpoints(ENDPOINT)
                .addEndpoints(ENDPOINT.toBuilder().setHealth(dev.fedmesh.api.v1.EndpointHealth.ENDPOINT_HEALTH_HEALTHY))
                .addEndpoints(ENDPOINT.toBuilder().setHealth(dev.fedmesh.api.v1.EndpointHealth.ENDPOINT_HEALTH_UNHEALTHY))
                .build());

        assertThat(InventoryBounds.endpoints(inventory)).isEqualTo(3);
        assertThat(InventoryBounds.healthy(inventory)).isEqualTo(2);
    }

    private static String problem(InventoryEndpoint.Builder endpoint) {
        ClusterInventory inventory = of(InventoryService.newBuilder().setName("greeter").addEndpoints(endpoint).build());
        return InventoryBounds.problem(inventory, inventory.getSerializedSize()).orElse("");
    }

    private static ClusterInventory of(InventoryService service) {
        return ClusterInventory.newBuilder().setTenant("acme").setCluster("east").addServices(service).build();
    }
}

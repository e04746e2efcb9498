package dev.fedmesh.agent.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fedmesh.policy.xds.ServiceEndpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
}

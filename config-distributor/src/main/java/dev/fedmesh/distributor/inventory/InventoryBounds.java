package dev.fedmesh.distributor.inventory;

import dev.fedmesh.api.InventoryLimits;
import dev.fedmesh.api.v1.ClusterInventory;
import dev.fedmesh.api.v1.InventoryEndpoint;
import dev.fedmesh.api.v1.InventoryService;

import java.util.Map;
import java.util.Optional;

/**
 * Whether an agent's inventory is within {@link InventoryLimits}: its size, how many services and
 * endpoints it lists, and the length of every text a workload chose (service names, hosts, label keys
 * and values, service accounts), none holding a control character (PostgreSQL and Envoy refuse
 * some). A pure function. An inventory outside them is refused whole, never cut: a cut inventory
 * would quietly take endpoints away from every remote caller.
 */
public final class InventoryBounds {

    private InventoryBounds() {
    }

    /** What is wrong with the inventory of {@code bytes} serialized bytes, naming the field and the limit; empty when nothing is. */
    public static Optional<String> problem(ClusterInventory inventory, int bytes) {
        if (bytes > InventoryLimits.MAX_INVENTORY_BYTES) {
            return Optional.of("the inventory has " + bytes + " bytes, more than the " + InventoryLimits.MAX_INVENTORY_BYTES
                    + " an inventory may have");
        }
        if (inventory.getServicesCount() > InventoryLimits.MAX_SERVICES) {
            return Optional.of("services lists " + inventory.getServicesCount() + " services, more than the "
                    + InventoryLimits.MAX_SERVICES + " an inventory may list");
        }
        int endpoints = 0;
        for (int s = 0; s < inventory.getServicesCount(); s++) {
            InventoryService service = inventory.getServices(s);
            String where = "services[" + s + "]";
            Optional<String> name = text(where + ".name", service.getName(), InventoryLimits.MAX_NAME, false);
            if (name.isPresent()) {
                return name;
            }
            endpoints += service.getEndpointsCount();
            if (endpoints > InventoryLimits.MAX_ENDPOINTS) {
                return Optional.of("the services list more than " + InventoryLimits.MAX_ENDPOINTS
                        + " endpoints together, the most an inventory may list");
            }
            for (int e = 0; e < service.getEndpointsCount(); e++) {
                Optional<String> endpoint = endpointProblem(where + ".endpoints[" + e + "]", service.getEndpoints(e));
                if (endpoint.isPresent()) {
                    return endpoint;
                }
            }
        }
        return Optional.empty();
    }

    /** How many of the inventory's endpoints count as healthy (UNKNOWN is used like HEALTHY, as Envoy and gRPC do). */
    public static int healthy(ClusterInventory inventory) {
        return (int) inventory.getServicesList().stream().flatMap(service -> service.getEndpointsList().stream())
                .filter(endpoint -> endpoint.getHealthValue() != dev.fedmesh.api.v1.EndpointHealth.ENDPOINT_HEALTH_UNHEALTHY_VALUE)
                .count();
    }

    /** How many endpoints the inventory lists. */
    public static int endpoints(ClusterInventory inventory) {
        return inventory.getServicesList().stream().mapToInt(InventoryService::getEndpointsCount).sum();
    }

    private static Optional<String> endpointProblem(String where, InventoryEndpoint endpoint) {
        Optional<String> host = text(where + ".host", endpoint.getHost(), InventoryLimits.MAX_NAME, false);
        if (host.isPresent()) {
            return host;
        }
        if (endpoint.getPort() < 1 || endpoint.getPort() > 65_535) {
            return Optional.of(where + ".port is " + Integer.toUnsignedString(endpoint.getPort())
                    + ": a port is between 1 and 65535");
        }
        if (endpoint.getLabelsCount() > InventoryLimits.MAX_LABELS) {
            return Optional.of(where + ".labels has " + endpoint.getLabelsCount() + " labels, more than the "
                    + InventoryLimits.MAX_LABELS + " an endpoint may have");
        }
        for (Map.Entry<String, String> label : endpoint.getLabelsMap().entrySet()) {
            Optional<String> problem = text(where + ".labels key", label.getKey(), InventoryLimits.MAX_LABEL_KEY, false)
                    .or(() -> text(where + ".labels['" + label.getKey() + "']", label.getValue(),
                            InventoryLimits.MAX_LABEL_VALUE, true));
            if (problem.isPresent()) {
                return problem;
            }
        }
        return text(where + ".service_account", endpoint.getServiceAccount(), InventoryLimits.MAX_NAME, true);
    }

    private static Optional<String> text(String field, String value, int max, boolean mayBeEmpty) {
        if (value.isEmpty() && !mayBeEmpty) {
            return Optional.of(field + " is empty: it must name something");
        }
        if (value.length() > max) {
            return Optional.of(field + " has " + value.length() + " characters, more than the " + max + " allowed");
        }
        for (int i = 0; i < value.length(); i++) {
            if (Character.isISOControl(value.charAt(i))) {
                return Optional.of(field + " holds a control character (at " + i + "): it may hold none");
            }
        }
        return Optional.empty();
    }
}

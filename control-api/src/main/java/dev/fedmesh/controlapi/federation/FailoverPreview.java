package dev.fedmesh.controlapi.federation;

import dev.fedmesh.api.v1.ClusterInventory;
import dev.fedmesh.api.v1.EndpointHealth;
import dev.fedmesh.api.v1.InventoryEndpoint;
import dev.fedmesh.api.v1.InventoryService;
import dev.fedmesh.policy.failover.Failover;
import dev.fedmesh.policy.failover.FailoverPlanner;
import dev.fedmesh.policy.failover.FailoverPlanner.Endpoints;
import dev.fedmesh.policy.failover.FailoverPlanner.Plan;
import dev.fedmesh.policy.failover.FailoverPlanner.Site;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Where one service's traffic from each cluster of a tenant would go, with some clusters down: the
 * answer of {@code GET …/services/{name}/failover-preview}. Computed by {@link FailoverPlanner#plan},
 * the function the agents run, from what the clusters last reported; a pure function of its input.
 *
 * @param policy      the service's Failover policy and its name, if it has one
 * @param at          the database's clock when the input was read: inventory ages count from it
 * @param inventories every registered cluster, by name
 * @param callers     every registered cluster as a caller, by name
 */
public record FailoverPreview(String tenant, String service, List<String> down, Optional<NamedFailover> policy,
                              int thresholdPercent, OffsetDateTime at, List<Inventory> inventories,
                              List<Caller> callers) {

    /** A Failover policy and its name. */
    public record NamedFailover(String name, Failover spec) {
    }

    /** What a cluster's agent last reported of its inventory: empty {@code inventory} when it never did. */
    public record Reported(Optional<ClusterInventory> inventory, Optional<OffsetDateTime> reportedAt) {
        public static final Reported NONE = new Reported(Optional.empty(), Optional.empty());
    }

    /** How old a cluster's inventory is, and what it holds of the service. */
    public record Inventory(String cluster, Optional<OffsetDateTime> reportedAt, long ageSeconds, Endpoints endpoints) {
    }

    /** One calling cluster's plan, and whether the preview takes the caller itself down. */
    public record Caller(String cluster, boolean down, Plan plan) {
    }

    /**
     * Plans {@code service} from every one of {@code sites}.
     *
     * @param reported each cluster's last inventory, by cluster name; a cluster absent never reported one
     */
    public static FailoverPreview of(String tenant, String service, List<Site> sites, Map<String, Reported> reported,
                                     Optional<NamedFailover> policy, DownSelector down, OffsetDateTime at) {
        List<Site> sorted = sites.stream().sorted(Comparator.comparing(Site::cluster)).toList();
        Map<String, Endpoints> endpoints = new TreeMap<>();
        List<Inventory> inventories = new ArrayList<>();
        for (Site site : sorted) {
            Reported last = reported.getOrDefault(site.cluster(), Reported.NONE);
            Endpoints counted = last.inventory().map(inventory -> count(inventory, service)).orElse(Endpoints.NONE);
            endpoints.put(site.cluster(), counted);
            long age = last.reportedAt().map(time -> Math.max(0, Duration.between(time, at).toSeconds())).orElse(0L);
            inventories.add(new Inventory(site.cluster(), last.reportedAt(), age, counted));
        }
        Optional<Failover> spec = policy.map(NamedFailover::spec);
        List<Caller> callers = sorted.stream()
                .map(caller -> new Caller(caller.cluster(), down.test(caller),
                        FailoverPlanner.plan(caller, sorted, endpoints, spec, down)))
                .toList();
        int threshold = spec.map(Failover::healthyPercentThreshold).orElse(Failover.DEFAULT_HEALTHY_PERCENT_THRESHOLD);
        return new FailoverPreview(tenant, service, down.asked(), policy, threshold, at, inventories, callers);
    }

    /** The service's endpoints in one inventory; healthy counts HEALTHY and UNKNOWN, as Envoy and gRPC do. */
    static Endpoints count(ClusterInventory inventory, String service) {
        int total = 0;
        int healthy = 0;
        for (InventoryService offered : inventory.getServicesList()) {
            if (offered.getName().equals(service)) {
                for (InventoryEndpoint endpoint : offered.getEndpointsList()) {
                    total++;
                    if (endpoint.getHealth() != EndpointHealth.ENDPOINT_HEALTH_UNHEALTHY) {
                        healthy++;
                    }
                }
            }
        }
        return new Endpoints(total, healthy);
    }

    /** The inventory of {@code cluster}, which every registered cluster has (empty when it never reported). */
    public Inventory inventory(String cluster) {
        return inventories.stream().filter(inventory -> inventory.cluster().equals(cluster)).findFirst().orElseThrow();
    }

    /** Whether {@code cluster} is taken down by the preview. */
    public boolean isDown(String cluster) {
        return callers.stream().anyMatch(caller -> caller.cluster().equals(cluster) && caller.down());
    }
}

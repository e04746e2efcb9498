package dev.fedmesh.policy.xds;

import dev.fedmesh.api.v1.ClusterInventory;
import dev.fedmesh.api.v1.ClusterPeer;
import dev.fedmesh.api.v1.EndpointHealth;
import dev.fedmesh.api.v1.InventoryEndpoint;
import dev.fedmesh.api.v1.InventoryService;
import dev.fedmesh.policy.failover.FailoverPlanner.Site;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * What one cluster knows of its tenant's clusters when it translates: where each runs and on which
 * network ({@code DesiredConfig.peers}), the newest inventory of each, and which ones its data-path
 * probes cannot reach now. With no peers, the local cluster stands alone, with no locality.
 */
final class Federation {

    /** How the local cluster's callers reach another cluster's endpoints. */
    sealed interface Reach {
        /** Straight at the endpoints' own addresses: the local cluster, or one on the same network. */
        record Direct() implements Reach {
        }

        /** Through the cluster's east-west gateway, the subset named in the TLS SNI. */
        record ViaGateway(GatewayAddress gateway) implements Reach {
        }

        /** Not at all: another network and no gateway. */
        record None() implements Reach {
        }
    }

    private final String local;
    private final Map<String, ClusterPeer> peers = new TreeMap<>();
    private final Map<String, ClusterInventory> inventories;
    private final Predicate<String> unreachable;
    // Each inventory's services by name, built on first use: every subset of every service looks up
    // one service in every cluster, and scanning whole inventories made a translation cubic.
    private final Map<String, Map<String, List<InventoryService>>> servicesByName = new HashMap<>();
    private Shape shape;

    Federation(String local, List<ClusterPeer> peerList, Map<String, ClusterInventory> inventories,
               Predicate<String> unreachable) {
        this(local, peerList, inventories, unreachable, Map.of());
    }

    /**
     * @param indexed each cluster's services by name, already indexed (by a translator that keeps them
     *                between translations): used for a cluster whose inventory is that very instance
     */
    Federation(String local, List<ClusterPeer> peerList, Map<String, ClusterInventory> inventories,
               Predicate<String> unreachable, Map<String, IndexedInventory> indexed) {
        this.local = local;
        // A name listed twice (never the compiler's output) resolves the same whatever the list's order.
        peerList.stream()
                .sorted(Comparator.comparing(ClusterPeer::getName).thenComparing(ClusterPeer::getRegion)
                        .thenComparing(ClusterPeer::getZone).thenComparing(ClusterPeer::getNetwork)
                        .thenComparing(ClusterPeer::getEastWestGateway))
                .forEach(peer -> peers.putIfAbsent(peer.getName(), peer));
        peers.putIfAbsent(local, ClusterPeer.newBuilder().setName(local).build());
        this.inventories = new TreeMap<>(inventories);
        this.unreachable = unreachable;
        indexed.forEach((cluster, index) -> {
            if (index.inventory() == this.inventories.get(cluster)) {
                servicesByName.put(cluster, index.byName());
            }
        });
    }

    /** An inventory with its services by name. */
    record IndexedInventory(ClusterInventory inventory, Map<String, List<InventoryService>> byName) {

        static IndexedInventory of(ClusterInventory inventory) {
            return new IndexedInventory(inventory, Federation.byName(inventory));
        }
    }

    String local() {
        return local;
    }

    Site localSite() {
        return site(peers.get(local));
    }

    /** Every known cluster, sorted by name, the local one included. */
    List<Site> sites() {
        return peers.values().stream().map(Federation::site).toList();
    }

    Site site(String cluster) {
        return site(peers.get(cluster));
    }

    boolean unreachable(String cluster) {
        return unreachable.test(cluster);
    }

    Reach reach(String cluster) {
        ClusterPeer peer = peers.get(cluster);
        if (cluster.equals(local) || peer.getNetwork().equals(peers.get(local).getNetwork())) {
            return new Reach.Direct();
        }
        return GatewayAddress.parse(peer.getEastWestGateway())
                .<Reach>map(Reach.ViaGateway::new)
                .orElseGet(Reach.None::new);
    }

    /** This cluster's own gateway, when its peer entry names one. */
    Optional<GatewayAddress> ownGateway() {
        return GatewayAddress.parse(peers.get(local).getEastWestGateway());
    }

    /**
     * The subset's endpoints in {@code cluster}'s inventory, sorted by host then port, each address
     * once; entries no proxy could dial (no host, port out of range) are left out.
     */
    List<InventoryEndpoint> endpoints(String cluster, EndpointSubset subset) {
        ClusterInventory inventory = inventories.get(cluster);
        if (inventory == null || (subset.cluster() != null && !subset.cluster().equals(cluster))) {
            return List.of();
        }
        List<InventoryEndpoint> matching = new ArrayList<>();
        for (InventoryService service : servicesNamed(cluster, inventory, subset.service())) {
            for (InventoryEndpoint endpoint : service.getEndpointsList()) {
                if (dialable(endpoint) && subset.selects(service.getName(), endpoint.getLabelsMap())) {
                    matching.add(endpoint);
                }
            }
        }
        // An address listed twice keeps the same entry whatever the inventory's order: healthy first.
        matching.sort(Comparator.comparing(InventoryEndpoint::getHost)
                .thenComparingInt(InventoryEndpoint::getPort)
                .thenComparingInt(InventoryEndpoint::getHealthValue)
                .thenComparing(endpoint -> new TreeMap<>(endpoint.getLabelsMap()).toString())
                .thenComparing(InventoryEndpoint::getServiceAccount));
        List<InventoryEndpoint> found = new ArrayList<>();
        TreeSet<String> seen = new TreeSet<>();
        for (InventoryEndpoint endpoint : matching) {
            if (seen.add(endpoint.getHost() + ":" + endpoint.getPort())) {
                found.add(endpoint);
            }
        }
        return found;
    }

    /** The local cluster, its peers and the unreachable ones: the same for every service of one translation. */
    Shape shape() {
        if (shape == null) {
            TreeSet<String> down = new TreeSet<>();
            peers.keySet().forEach(cluster -> {
                if (unreachable.test(cluster)) {
                    down.add(cluster);
                }
            });
            shape = new Shape(local, List.copyOf(peers.values()), Set.copyOf(down));
        }
        return shape;
    }

    record Shape(String local, List<ClusterPeer> peers, Set<String> unreachable) {
    }

    private List<InventoryService> servicesNamed(String cluster, ClusterInventory inventory, String name) {
        return servicesByName.computeIfAbsent(cluster, ignored -> byName(inventory)).getOrDefault(name, List.of());
    }

    private static Map<String, List<InventoryService>> byName(ClusterInventory inventory) {
        Map<String, List<InventoryService>> byName = new HashMap<>();
        for (InventoryService service : inventory.getServicesList()) {
            byName.computeIfAbsent(service.getName(), n -> new ArrayList<>()).add(service);
        }
        return byName;
    }

    /** Every dialable endpoint of the local inventory, for the server listeners of its ports. */
    List<ServiceEndpoint> localEndpoints() {
        ClusterInventory inventory = inventories.get(local);
        if (inventory == null) {
            return List.of();
        }
        List<ServiceEndpoint> endpoints = new ArrayList<>();
        for (InventoryService service : inventory.getServicesList()) {
            for (InventoryEndpoint endpoint : service.getEndpointsList()) {
                if (dialable(endpoint) && !service.getName().isBlank()) {
                    endpoints.add(new ServiceEndpoint(service.getName(), endpoint.getHost(), endpoint.getPort(),
                            endpoint.getLabelsMap()));
                }
            }
        }
        endpoints.sort(Comparator.comparing(ServiceEndpoint::host).thenComparingInt(ServiceEndpoint::port));
        return endpoints;
    }

    /** HEALTHY or UNKNOWN, as Envoy and gRPC read it. */
    static boolean healthy(InventoryEndpoint endpoint) {
        return endpoint.getHealth() != EndpointHealth.ENDPOINT_HEALTH_UNHEALTHY;
    }

    private static boolean dialable(InventoryEndpoint endpoint) {
        return !endpoint.getHost().isBlank() && endpoint.getPort() >= 1 && endpoint.getPort() <= 65535;
    }

    private static Site site(ClusterPeer peer) {
        return new Site(peer.getName(), peer.getRegion(), peer.getZone());
    }
}

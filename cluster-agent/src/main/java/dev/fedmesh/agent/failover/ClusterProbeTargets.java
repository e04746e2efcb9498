package dev.fedmesh.agent.failover;

import dev.fedmesh.agent.health.ProbeTarget;
import dev.fedmesh.api.v1.ClusterInventory;
import dev.fedmesh.api.v1.ClusterPeer;
import dev.fedmesh.api.v1.EndpointHealth;
import dev.fedmesh.api.v1.InventoryEndpoint;
import dev.fedmesh.api.v1.InventoryService;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Which addresses tell whether a remote cluster answers, as the calling cluster's traffic would reach
 * it. Pure and deterministic: the same peers and inventories always give the same targets.
 *
 * <ul>
 *   <li>A cluster on another network (its {@link ClusterPeer#getNetwork()} differs from the caller's;
 *       two empty networks are the same) is reached through its east-west gateway, so that is its one
 *       target; without a gateway it has none.</li>
 *   <li>A cluster on the caller's network is reached at its endpoints' addresses: up to
 *       {@code perCluster} of them from its inventory, healthy first, then of unknown health, then
 *       unhealthy, and within each, one per service in turn (services by name, endpoints by host then
 *       port), so one service's outage does not look like the cluster's.</li>
 * </ul>
 * The caller's own cluster is never a target; clusters not among the peers are ignored.
 */
public final class ClusterProbeTargets {

    private ClusterProbeTargets() {
    }

    /**
     * How one remote cluster is probed.
     *
     * @param cluster the cluster's name
     * @param targets what is probed, in order; empty when nothing can be (the cluster then counts as reachable)
     * @param source  for people: {@code east-west gateway gw:15443}, {@code 3 endpoints}, {@code no inventory}, ...
     * @param problem a configuration mistake that leaves the cluster unprobed, for operators to fix
     */
    public record ClusterTargets(String cluster, List<ProbeTarget> targets, String source, Optional<String> problem) {
        public ClusterTargets {
            Objects.requireNonNull(cluster, "cluster");
            targets = List.copyOf(targets);
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(problem, "problem");
        }
    }

    /** The targets of every peer but {@code localCluster}, by cluster name. */
    public static Map<String, ClusterTargets> choose(String localCluster, List<ClusterPeer> peers,
                                                     Map<String, ClusterInventory> inventories, int perCluster) {
        return choose(localCluster, peers, inventories, perCluster, new IdentityHashMap<>(), new IdentityHashMap<>());
    }

    /**
     * Chooses again and again as inventories change, choosing anew only for the clusters whose
     * inventory is not the very instance it chose from last time: at a tenant's full scale one
     * cluster's new inventory is then one cluster's choice, not every cluster's thousands of endpoints.
     */
    public static final class Chooser {
        private final int perCluster;
        private Map<ClusterInventory, ClusterTargets> last = new IdentityHashMap<>();

        public Chooser(int perCluster) {
            if (perCluster < 1) {
                throw new IllegalArgumentException("perCluster must be 1 or more, was " + perCluster);
            }
            this.perCluster = perCluster;
        }

        /** As {@link ClusterProbeTargets#choose}; the same result. */
        public synchronized Map<String, ClusterTargets> choose(String localCluster, List<ClusterPeer> peers,
                                                               Map<String, ClusterInventory> inventories) {
            Map<ClusterInventory, ClusterTargets> chosen = new IdentityHashMap<>();
            Map<String, ClusterTargets> targets = ClusterProbeTargets.choose(localCluster, peers, inventories, perCluster,
                    last, chosen);
            last = chosen;
            return targets;
        }
    }

    private static Map<String, ClusterTargets> choose(String localCluster, List<ClusterPeer> peers,
                                                      Map<String, ClusterInventory> inventories, int perCluster,
                                                      Map<ClusterInventory, ClusterTargets> known,
                                                      Map<ClusterInventory, ClusterTargets> chosenNow) {
        if (perCluster < 1) {
            throw new IllegalArgumentException("perCluster must be 1 or more, was " + perCluster);
        }
        String localNetwork = peers.stream()
                .filter(peer -> peer.getName().equals(localCluster))
                .map(ClusterPeer::getNetwork)
                .findFirst()
                .orElse("");
        Map<String, ClusterTargets> chosen = new TreeMap<>();
        for (ClusterPeer peer : peers) {
            if (peer.getName().equals(localCluster)) {
                continue;
            }
            ClusterInventory inventory = inventories.get(peer.getName());
            if (!peer.getNetwork().equals(localNetwork)) {
                chosen.put(peer.getName(), gateway(peer));
            } else if (inventory == null) {
                chosen.put(peer.getName(), endpoints(peer.getName(), null, perCluster));
            } else {
                ClusterTargets before = known.get(inventory);
                ClusterTargets targets = before != null && before.cluster().equals(peer.getName()) ? before
                        : endpoints(peer.getName(), inventory, perCluster);
                chosenNow.put(inventory, targets);
                chosen.put(peer.getName(), targets);
            }
        }
        return Collections.unmodifiableMap(chosen);
    }

    private static ClusterTargets gateway(ClusterPeer peer) {
        String gateway = peer.getEastWestGateway();
        if (gateway.isBlank()) {
            return new ClusterTargets(peer.getName(), List.of(),
                    "no east-west gateway (network '" + peer.getNetwork() + "')",
                    Optional.of("cluster " + peer.getName() + " is on another network ('" + peer.getNetwork()
                            + "') and has no east-west gateway: its services cannot be reached from here, and"
                            + " whether it answers is not probed. Set the cluster's eastWestGateway"));
        }
        try {
            ProbeTarget target = ProbeTarget.parse(gateway);
            return new ClusterTargets(peer.getName(), List.of(target), "east-west gateway " + target, Optional.empty());
        } catch (IllegalArgumentException e) {
            return new ClusterTargets(peer.getName(), List.of(), "unusable east-west gateway",
                    Optional.of("cluster " + peer.getName() + "'s eastWestGateway " + e.getMessage()
                            + ": whether it answers is not probed"));
        }
    }

    private static ClusterTargets endpoints(String cluster, ClusterInventory inventory, int perCluster) {
        if (inventory == null) {
            return new ClusterTargets(cluster, List.of(), "no inventory yet", Optional.empty());
        }
        List<Candidate> candidates = new ArrayList<>();
        List<InventoryService> services = inventory.getServicesList().stream()
                .sorted(Comparator.comparing(InventoryService::getName))
                .toList();
        for (InventoryService service : services) {
            int[] perTier = new int[3];
            service.getEndpointsList().stream()
                    .filter(ClusterProbeTargets::probeable)
                    .sorted(Comparator.comparingInt((InventoryEndpoint endpoint) -> tier(endpoint.getHealth()))
                            .thenComparing(InventoryEndpoint::getHost)
                            .thenComparingInt(InventoryEndpoint::getPort))
                    .forEach(endpoint -> {
                        int tier = tier(endpoint.getHealth());
                        candidates.add(new Candidate(tier, perTier[tier]++, service.getName(),
                                new ProbeTarget(endpoint.getHost(), endpoint.getPort())));
                    });
        }
        candidates.sort(Comparator.comparingInt(Candidate::tier)
                .thenComparingInt(Candidate::turn)
                .thenComparing(Candidate::service)
                .thenComparing(Candidate::target));
        Set<ProbeTarget> targets = new LinkedHashSet<>();
        for (Candidate candidate : candidates) {
            if (targets.size() == perCluster) {
                break;
            }
            targets.add(candidate.target());
        }
        String source = targets.isEmpty() ? "no endpoints in its inventory"
                : targets.size() == 1 ? "1 endpoint" : targets.size() + " endpoints";
        return new ClusterTargets(cluster, new ArrayList<>(targets), source, Optional.empty());
    }

    private static boolean probeable(InventoryEndpoint endpoint) {
        return !endpoint.getHost().isBlank() && endpoint.getPort() >= 1 && endpoint.getPort() <= 65535;
    }

    private static int tier(EndpointHealth health) {
        return switch (health) {
            case ENDPOINT_HEALTH_HEALTHY -> 0;
            case ENDPOINT_HEALTH_UNHEALTHY -> 2;
            default -> 1;
        };
    }

    private record Candidate(int tier, int turn, String service, ProbeTarget target) {
    }
}

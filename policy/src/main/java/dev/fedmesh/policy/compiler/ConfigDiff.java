package dev.fedmesh.policy.compiler;

import dev.fedmesh.api.v1.ClusterPeer;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.api.v1.Service;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/** What changes in each cluster's desired config between two compilations of a tenant: the dry-run answer. */
public record ConfigDiff(List<ClusterChange> clusters) {

    /**
     * One cluster's change; policies are named {@code Kind/name}, peers by cluster name (a peer changes
     * when its locality, network or east-west gateway does).
     */
    public record ClusterChange(
            String cluster,
            boolean changed,
            boolean clusterAdded,
            boolean clusterRemoved,
            List<String> policiesAdded,
            List<String> policiesChanged,
            List<String> policiesRemoved,
            List<String> servicesAdded,
            List<String> servicesRemoved,
            List<String> peersAdded,
            List<String> peersChanged,
            List<String> peersRemoved) {
    }

    /** Compares configs cluster by cluster, ignoring the revision number itself. */
    public static ConfigDiff between(SortedMap<String, DesiredConfig> before, SortedMap<String, DesiredConfig> after) {
        SortedSet<String> clusters = new TreeSet<>(before.keySet());
        clusters.addAll(after.keySet());
        List<ClusterChange> changes = new ArrayList<>();
        for (String cluster : clusters) {
            DesiredConfig was = before.getOrDefault(cluster, DesiredConfig.getDefaultInstance());
            DesiredConfig will = after.getOrDefault(cluster, DesiredConfig.getDefaultInstance());
            Map<String, Policy> oldPolicies = byName(was.getPoliciesList(), p -> p.getKind() + "/" + p.getName());
            Map<String, Policy> newPolicies = byName(will.getPoliciesList(), p -> p.getKind() + "/" + p.getName());
            Map<String, Service> oldServices = byName(was.getServicesList(), Service::getName);
            Map<String, Service> newServices = byName(will.getServicesList(), Service::getName);
            List<String> added = missingFrom(oldPolicies, newPolicies);
            List<String> removed = missingFrom(newPolicies, oldPolicies);
            List<String> changed = newPolicies.keySet().stream()
                    .filter(oldPolicies::containsKey)
                    .filter(name -> !oldPolicies.get(name).equals(newPolicies.get(name)))
                    .toList();
            List<String> servicesAdded = missingFrom(oldServices, newServices);
            List<String> servicesRemoved = missingFrom(newServices, oldServices);
            Map<String, ClusterPeer> oldPeers = byName(was.getPeersList(), ClusterPeer::getName);
            Map<String, ClusterPeer> newPeers = byName(will.getPeersList(), ClusterPeer::getName);
            List<String> peersAdded = missingFrom(oldPeers, newPeers);
            List<String> peersRemoved = missingFrom(newPeers, oldPeers);
            List<String> peersChanged = newPeers.keySet().stream()
                    .filter(oldPeers::containsKey)
                    .filter(name -> !oldPeers.get(name).equals(newPeers.get(name)))
                    .toList();
            boolean clusterAdded = !before.containsKey(cluster);
            boolean clusterRemoved = !after.containsKey(cluster);
            boolean any = clusterAdded || clusterRemoved || !added.isEmpty() || !removed.isEmpty() || !changed.isEmpty()
                    || !servicesAdded.isEmpty() || !servicesRemoved.isEmpty()
                    || !peersAdded.isEmpty() || !peersChanged.isEmpty() || !peersRemoved.isEmpty();
            changes.add(new ClusterChange(cluster, any, clusterAdded, clusterRemoved, added, changed, removed,
                    servicesAdded, servicesRemoved, peersAdded, peersChanged, peersRemoved));
        }
        return new ConfigDiff(List.copyOf(changes));
    }

    private static <T> Map<String, T> byName(List<T> items, Function<T, String> name) {
        return items.stream().collect(Collectors.toMap(name, Function.identity(), (a, b) -> a, TreeMap::new));
    }

    private static List<String> missingFrom(Map<String, ?> reference, Map<String, ?> candidates) {
        return candidates.keySet().stream().filter(name -> !reference.containsKey(name)).toList();
    }
}

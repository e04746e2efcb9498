package dev.fedmesh.bench.federation;

import dev.fedmesh.policy.compiler.ClusterInfo;
import dev.fedmesh.policy.xds.EndpointSubset;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.policy.xds.XdsResources;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Whether one calling cluster can reach every remote endpoint it needs, read from the EDS its agent
 * would serve: for every service, the addresses in its assignment against the addresses expected
 * from the tenant alone (every cluster's endpoints of the service when it is on the caller's
 * network, its gateway once when it is not), with nothing missing and nothing extra.
 */
final class RemoteReach {

    /**
     * What was found for one caller.
     *
     * @param servicesChecked      assignments compared
     * @param servicesMatching     assignments holding exactly the expected addresses
     * @param endpointsPerService  addresses in each service's assignment (the same for all when matching)
     * @param directPerService     of which endpoint addresses (the caller's own and its network's clusters)
     * @param gatewaysPerService   of which east-west gateways (one per cluster on another network)
     * @param clustersPerService   localities (one per cluster serving the service)
     * @param priorities           distinct priorities in the first service's assignment
     * @param mismatches           the first few differences, for people
     */
    record Result(int servicesChecked, int servicesMatching, int endpointsPerService, int directPerService,
                  int gatewaysPerService, int clustersPerService, int priorities, List<String> mismatches) {
        boolean complete() {
            return servicesChecked > 0 && servicesChecked == servicesMatching;
        }
    }

    private static final int MISMATCHES_KEPT = 5;

    private RemoteReach() {
    }

    static Result check(FederatedTenant tenant, int caller, XdsResources resources) {
        Map<String, ClusterLoadAssignment> byName = new HashMap<>();
        for (ClusterLoadAssignment assignment : resources.endpoints()) {
            byName.put(assignment.getClusterName(), assignment);
        }
        Set<String> gateways = new HashSet<>();
        for (int c = 0; c < tenant.clusters(); c++) {
            gateways.add(tenant.gateway(c));
        }
        ClusterInfo callerInfo = tenant.clusterInfo(caller);
        List<String> mismatches = new ArrayList<>();
        int matching = 0;
        int endpoints = -1;
        int direct = -1;
        int viaGateway = -1;
        int localities = -1;
        int priorities = -1;
        for (int s = 0; s < tenant.services(); s++) {
            String service = FederatedTenant.service(s);
            Set<String> expected = expected(tenant, callerInfo, s);
            ClusterLoadAssignment assignment = byName.get(EndpointSubset.all(service).clusterName());
            if (assignment == null) {
                note(mismatches, service + ": no assignment served");
                continue;
            }
            Set<String> found = new HashSet<>();
            int gatewaysFound = 0;
            Set<Integer> priorityLevels = new HashSet<>();
            for (LocalityLbEndpoints locality : assignment.getEndpointsList()) {
                priorityLevels.add(locality.getPriority());
                for (LbEndpoint lb : locality.getLbEndpointsList()) {
                    SocketAddress address = lb.getEndpoint().getAddress().getSocketAddress();
                    String hostPort = address.getAddress() + ":" + address.getPortValue();
                    found.add(hostPort);
                    if (gateways.contains(hostPort)) {
                        gatewaysFound++;
                    }
                }
            }
            if (found.equals(expected)) {
                matching++;
            } else {
                Set<String> missing = new HashSet<>(expected);
                missing.removeAll(found);
                Set<String> extra = new HashSet<>(found);
                extra.removeAll(expected);
                note(mismatches, service + ": " + missing.size() + " expected address(es) missing (e.g. "
                        + missing.stream().sorted().limit(2).toList() + "), " + extra.size() + " unexpected (e.g. "
                        + extra.stream().sorted().limit(2).toList() + ")");
            }
            if (s == 0) {
                endpoints = found.size();
                viaGateway = gatewaysFound;
                direct = found.size() - gatewaysFound;
                localities = assignment.getEndpointsCount();
                priorities = priorityLevels.size();
            }
        }
        return new Result(tenant.services(), matching, endpoints, direct, viaGateway, localities, priorities,
                List.copyOf(mismatches));
    }

    /** The addresses a caller needs for service {@code s}: from the tenant's layout alone, not from the translator. */
    private static Set<String> expected(FederatedTenant tenant, ClusterInfo caller, int s) {
        Set<String> expected = new HashSet<>();
        for (int c = 0; c < tenant.clusters(); c++) {
            ClusterInfo info = tenant.clusterInfo(c);
            if (info.name().equals(caller.name()) || info.network().equals(caller.network())) {
                for (int e = 0; e < tenant.endpointsPerService(); e++) {
                    ServiceEndpoint endpoint = tenant.endpoint(c, s, e);
                    expected.add(endpoint.host() + ":" + endpoint.port());
                }
            } else {
                expected.add(info.eastWestGateway());
            }
        }
        return expected;
    }

    private static void note(List<String> mismatches, String mismatch) {
        if (mismatches.size() < MISMATCHES_KEPT) {
            mismatches.add(mismatch);
        }
    }
}

package dev.fedmesh.policy.xds;

import io.envoyproxy.envoy.config.route.v3.RouteAction;
import java.util.List;
import java.util.Objects;

/**
 * How callers reach one service: the route action of its default route and the endpoint subsets
 * (one EDS cluster each) that action refers to.
 */
public record ServiceRoute(RouteAction action, List<EndpointSubset> subsets) {

    public ServiceRoute {
        Objects.requireNonNull(action, "action");
        subsets = List.copyOf(subsets);
    }

    /** Every call goes to one EDS cluster holding all the service's endpoints. */
    public static ServiceRoute wholeService(String service) {
        EndpointSubset all = EndpointSubset.all(service);
        return new ServiceRoute(RouteAction.newBuilder().setCluster(all.clusterName()).build(), List.of(all));
    }
}

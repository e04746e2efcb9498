package dev.fedmesh.policy.xds;

import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import java.util.List;

/**
 * How callers reach one service: its routes, tried in order, and the endpoint subsets (one EDS
 * cluster each) they refer to.
 */
public record ServiceRoute(List<Route> routes, List<EndpointSubset> subsets) {

    /** The name of the route that takes every call no earlier route took. */
    public static final String DEFAULT_ROUTE = "default";

    public ServiceRoute {
        if (routes.isEmpty()) {
            throw new IllegalArgumentException("a service needs at least one route");
        }
        routes = List.copyOf(routes);
        subsets = List.copyOf(subsets);
    }

    /** Every call goes to one EDS cluster holding all the service's endpoints. */
    public static ServiceRoute wholeService(String service) {
        EndpointSubset all = EndpointSubset.all(service);
        return new ServiceRoute(List.of(defaultRoute(RouteAction.newBuilder().setCluster(all.clusterName()).build())),
                List.of(all));
    }

    /** A route taking every call (prefix {@code /}) with the given action. */
    public static Route defaultRoute(RouteAction action) {
        return Route.newBuilder()
                .setName(DEFAULT_ROUTE)
                .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRoute(action)
                .build();
    }
}

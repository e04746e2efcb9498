package dev.fedmesh.agent.health;

import dev.fedmesh.api.v1.EndpointHealth;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import java.util.Map;

/** Where the verdicts of the HealthCheck policies on local endpoints go. */
public interface CheckedEndpoints {

    /**
     * Records what the endpoints' checks say now, as one change: HEALTHY or UNHEALTHY, or UNKNOWN
     * when a check has no verdict (yet), or no check applies any more.
     */
    void checked(Map<ServiceEndpoint, EndpointHealth> verdicts);
}

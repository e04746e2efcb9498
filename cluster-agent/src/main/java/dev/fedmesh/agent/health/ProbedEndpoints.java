package dev.fedmesh.agent.health;

import dev.fedmesh.api.v1.EndpointHealth;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import java.util.List;
import java.util.Map;

/** The local endpoints the agent probes, and where their health goes once the probes settle it. */
public interface ProbedEndpoints {

    /** The endpoints to probe now. */
    List<ServiceEndpoint> probed();

    /** Records that {@code endpoint}'s health changed to {@code health}; called only on a change. */
    void health(ServiceEndpoint endpoint, EndpointHealth health);

    /** Records one round's health changes; an implementation may take them as one change. */
    default void health(Map<ServiceEndpoint, EndpointHealth> changes) {
        changes.forEach(this::health);
    }
}

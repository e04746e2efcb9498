package dev.fedmesh.distributor.trust;

import dev.fedmesh.api.v1.ClusterStatus;

/**
 * What the status ingester hands every authenticated report to, stored or not, so a report's
 * intermediate request is answered.
 */
@FunctionalInterface
public interface IntermediateRequestHandler {

    /** Answers nothing: for a distributor that issues no intermediates. */
    IntermediateRequestHandler NONE = (tenant, report) -> { };

    /** Answers the report's intermediate request, if it has one; never throws (the agent repeats the request). */
    void answer(String tenant, ClusterStatus report);
}

package dev.fedmesh.distributor.access;

import java.util.Set;
import java.util.UUID;

/** Gives each cluster of a tenant its agent's Kafka access, and takes it from agents that are no longer current. */
public interface AgentAccess extends AutoCloseable {

    /** Nothing to provision: the distributor's Kafka needs no authentication. */
    AgentAccess NONE = new AgentAccess() {
        @Override
        public void provision(UUID tenantId, String tenant, Set<String> clusters) {
        }

        @Override
        public void close() {
        }
    };

    /**
     * Makes the agents of {@code clusters}, each under its cluster's current bootstrap credential,
     * exactly the agents of tenant {@code tenant} (id {@code tenantId}) that may use Kafka; returns
     * once Kafka has the change, throws {@link AgentAccessException} when it does not.
     */
    void provision(UUID tenantId, String tenant, Set<String> clusters);

    @Override
    void close();
}

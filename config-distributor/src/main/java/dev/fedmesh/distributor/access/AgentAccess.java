package dev.fedmesh.distributor.access;

import java.util.Set;

/** Gives each cluster of a tenant its agent's Kafka access, and takes it from clusters that are gone. */
public interface AgentAccess extends AutoCloseable {

    /** Nothing to provision: the distributor's Kafka needs no authentication. */
    AgentAccess NONE = new AgentAccess() {
        @Override
        public void provision(String tenant, Set<String> clusters) {
        }

        @Override
        public void close() {
        }
    };

    /**
     * Makes {@code clusters} exactly the tenant's clusters whose agents may use Kafka; returns once
     * Kafka has the change, throws {@link AgentAccessException} when it does not.
     */
    void provision(String tenant, Set<String> clusters);

    @Override
    void close();
}

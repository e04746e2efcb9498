package dev.fedmesh.distributor.access;

import dev.fedmesh.distributor.access.AgentPrincipals.Agent;
import dev.fedmesh.trust.credential.ClusterCredentialKeys;
import org.jooq.DSLContext;
import org.jooq.Record3;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

import static dev.fedmesh.db.jooq.Tables.CLUSTERS;
import static dev.fedmesh.db.jooq.Tables.TENANTS;

/**
 * The agents that may use Kafka now, as the database says: one per registered cluster, under the
 * cluster's current bootstrap credential (a cluster without one has no agent that may), with the
 * keys its password derives from. Read as committed at the moment of the call.
 */
final class CurrentAgents {

    private CurrentAgents() {
    }

    /** The current agents of {@code clusters} of the tenant with id {@code tenantId} and name {@code tenant}. */
    static Map<Agent, ClusterCredentialKeys> of(DSLContext dsl, UUID tenantId, String tenant, Collection<String> clusters) {
        Map<Agent, ClusterCredentialKeys> agents = new HashMap<>();
        dsl.select(CLUSTERS.NAME, CLUSTERS.BOOTSTRAP_SECRET_SHA256).from(CLUSTERS)
                .where(CLUSTERS.TENANT_ID.eq(tenantId)).and(CLUSTERS.NAME.in(clusters))
                .and(CLUSTERS.BOOTSTRAP_SECRET_SHA256.isNotNull())
                .forEach(row -> {
                    ClusterCredentialKeys keys = ClusterCredentialKeys.ofSha256(row.value2());
                    agents.put(AgentPrincipals.agent(tenant, row.value1(), keys), keys);
                });
        return agents;
    }

    /** Every tenant by name (also one without clusters) with its current agents. */
    static Map<String, Set<Agent>> byTenant(DSLContext dsl) {
        Map<String, Set<Agent>> agents = new TreeMap<>();
        for (Record3<String, String, byte[]> row : dsl.select(TENANTS.NAME, CLUSTERS.NAME, CLUSTERS.BOOTSTRAP_SECRET_SHA256)
                .from(TENANTS).leftJoin(CLUSTERS).on(CLUSTERS.TENANT_ID.eq(TENANTS.ID))
                .fetch()) {
            Set<Agent> ofTenant = agents.computeIfAbsent(row.value1(), tenant -> new java.util.HashSet<>());
            if (row.value2() != null && row.value3() != null) {
                ofTenant.add(AgentPrincipals.agent(row.value1(), row.value2(), ClusterCredentialKeys.ofSha256(row.value3())));
            }
        }
        return agents;
    }
}

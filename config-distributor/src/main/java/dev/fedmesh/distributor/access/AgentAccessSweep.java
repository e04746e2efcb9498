package dev.fedmesh.distributor.access;

import dev.fedmesh.db.TenantNameLock;
import dev.fedmesh.db.Transactions;
import dev.fedmesh.distributor.access.AgentPrincipals.Agent;
import dev.fedmesh.distributor.publish.TenantTopics;
import org.jooq.DSLContext;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;

import static dev.fedmesh.db.jooq.Tables.OUTBOX;
import static dev.fedmesh.db.jooq.Tables.TENANTS;

/**
 * Compares the agents' Kafka access and the tenants' topics on the broker with the tenants and
 * clusters in PostgreSQL, for what publishing alone cannot see:
 * <ul>
 *   <li>an agent that is no longer current (its tenant deleted, its cluster deleted, its credential
 *       re-issued, or a user of an earlier release) loses its ACLs and SCRAM credential;</li>
 *   <li>a tenant that no longer exists has its desired and status topics deleted
 *       ({@link TenantTopics#delete}): its configs do not stay on the brokers, and a tenant created
 *       later under its name gets new topics;</li>
 *   <li>a tenant with a current agent holding no ACL while nothing of the tenant waits in the outbox
 *       (an ACL removed by hand, a tenant re-created under a name a distributor remembered) is
 *       forgotten and queued for publishing again, which provisions it.</li>
 * </ul>
 *
 * <p><b>Order and locks.</b> The broker (ACLs, credentials, topics) is read before the database. An
 * agent is named after its cluster's credential, and a distributor provisions only agents whose
 * credential it read committed, so an agent on the broker that the later database read does not
 * show as current can only have been replaced or deleted: it is removed without any lock. A
 * deleted tenant's topics are deleted under {@link TenantNameLock} on its name alone, after reading
 * again that no tenant of that name exists: a tenant cannot be created under that name meanwhile,
 * and nothing else waits, whatever Kafka does. The lock is waited for at most {@link #LOCK_WAIT};
 * a creation in the way makes the sweep leave the name for its next pass.
 */
public final class AgentAccessSweep {
    private static final Logger LOG = LoggerFactory.getLogger(AgentAccessSweep.class);
    /** How long a sweep waits for a tenant name's lock; a creation in the way makes it try at the next pass. */
    static final Duration LOCK_WAIT = Duration.ofSeconds(2);

    private final DSLContext dsl;
    private final KafkaAgentAccess access;
    private final TenantTopics topics;
    private final SweepPauses pauses;

    public AgentAccessSweep(DSLContext dsl, KafkaAgentAccess access, TenantTopics topics) {
        this(dsl, access, topics, SweepPauses.NONE);
    }

    AgentAccessSweep(DSLContext dsl, KafkaAgentAccess access, TenantTopics topics, SweepPauses pauses) {
        this.dsl = dsl;
        this.access = access;
        this.topics = topics;
        this.pauses = pauses;
    }

    /**
     * What one pass did: the agent users whose access it removed, the tenants whose topics it
     * deleted, and the tenants it queued for publishing.
     */
    public record Outcome(SortedSet<String> removedAgents, SortedSet<String> deletedTopicsOf, SortedSet<String> requeued) {
    }

    /** One pass. */
    public Outcome sweep() {
        AgentsOnBroker onBroker = access.agentsOnBroker();
        SortedSet<String> withTopics = topics.tenantsOnBroker();
        Map<String, Set<Agent>> current = CurrentAgents.byTenant(dsl);
        access.forgetAllBut(current.keySet());
        Set<Agent> currentAgents = current.values().stream().flatMap(Set::stream).collect(Collectors.toSet());
        Set<Agent> stale = new HashSet<>(onBroker.agents());
        stale.removeAll(currentAgents);
        access.remove(stale, onBroker, "their tenant, cluster or credential no longer exists");
        SortedSet<String> deleted = new TreeSet<>();
        for (String tenant : withTopics) {
            if (!current.containsKey(tenant) && deleteTopicsOfDeleted(tenant)) {
                deleted.add(tenant);
            }
        }
        SortedSet<String> lacking = new TreeSet<>();
        current.forEach((tenant, agents) -> {
            if (agents.stream().anyMatch(agent -> !onBroker.hasAcls(agent))) {
                lacking.add(tenant);
            }
        });
        SortedSet<String> requeued = lacking.isEmpty() ? new TreeSet<>() : requeue(lacking);
        return new Outcome(stale.stream().map(access.principals()::username).collect(Collectors.toCollection(TreeSet::new)),
                deleted, requeued);
    }

    /** Deletes the topics of {@code tenant} under its name's lock, if it still does not exist; false when it does, or the lock is held. */
    private boolean deleteTopicsOfDeleted(String tenant) {
        try {
            return Transactions.result(dsl, configuration -> {
                DSLContext tx = configuration.dsl();
                tx.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED");
                tx.execute("SET LOCAL lock_timeout = '" + LOCK_WAIT.toMillis() + "ms'");
                TenantNameLock.acquire(tx, tenant);
                if (tx.fetchExists(TENANTS, TENANTS.NAME.eq(tenant))) {
                    return false;
                }
                pauses.holdingTenantName(tenant);
                topics.delete(tenant);
                return true;
            });
        } catch (DataAccessException e) {
            if (!"55P03".equals(e.sqlState())) {
                throw e;
            }
            LOG.info("tenant name {} is being created or deleted; its old topics are looked at again at the next sweep",
                    tenant);
            return false;
        }
    }

    /**
     * Forgets each tenant and queues it for publishing at its current revision, unless a change of
     * it is queued already: every distributor's sweep forgets it, so whichever publishes it next
     * provisions every cluster. A repeated revision changes nothing at the agents.
     */
    private SortedSet<String> requeue(Collection<String> tenants) {
        tenants.forEach(access::forget);
        Map<UUID, String> idle = dsl.select(TENANTS.ID, TENANTS.NAME).from(TENANTS)
                .where(TENANTS.NAME.in(tenants))
                .andNotExists(DSL.selectOne().from(OUTBOX)
                        .where(OUTBOX.TENANT_ID.eq(TENANTS.ID).and(OUTBOX.PUBLISHED_AT.isNull())))
                .fetchMap(TENANTS.ID, TENANTS.NAME);
        if (idle.isEmpty()) {
            return new TreeSet<>();
        }
        dsl.insertInto(OUTBOX, OUTBOX.TENANT_ID, OUTBOX.REVISION)
                .select(DSL.select(TENANTS.ID, TENANTS.REVISION).from(TENANTS).where(TENANTS.ID.in(idle.keySet())))
                .execute();
        SortedSet<String> queued = new TreeSet<>(idle.values());
        LOG.info("tenant(s) {} have cluster(s) whose agent holds no Kafka ACL; publishing them again to provision it",
                queued);
        return queued;
    }
}

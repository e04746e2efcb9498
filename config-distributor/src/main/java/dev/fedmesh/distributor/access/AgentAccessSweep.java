package dev.fedmesh.distributor.access;

import dev.fedmesh.distributor.publish.TenantTopics;
import org.jooq.DSLContext;
import org.jooq.Record2;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

import static dev.fedmesh.db.jooq.Tables.CLUSTERS;
import static dev.fedmesh.db.jooq.Tables.OUTBOX;
import static dev.fedmesh.db.jooq.Tables.TENANTS;

/**
 * Compares the agents' Kafka access and the tenants' topics on the broker with the tenants and
 * clusters in PostgreSQL, for what publishing alone cannot see. A deleted tenant is never published
 * again (its outbox rows go with it), so its agents' credentials and ACLs are removed here, and its
 * desired and status topics deleted ({@link TenantTopics#delete}): its configs do not stay on the
 * brokers, and a tenant created later under its name gets new topics. A cluster of an existing tenant
 * whose agent holds no ACL while nothing of the tenant waits in the outbox (a tenant deleted and
 * created again under the same name, published by a distributor that remembered the old one; an
 * ACL removed by hand) has its tenant forgotten and queued for publishing again, which provisions it.
 * Tenants that no longer exist are forgotten too, so that one created later under such a name is
 * provisioned whole.
 * Access of a cluster that exists is never taken here: clusters deleted from an existing tenant
 * lose it at the tenant's next publish, which their deletion queued.
 *
 * <p><b>Order and locks.</b> The broker (ACLs, credentials, topics) is read before the database,
 * so a tenant created after the broker was read is seen in the database and kept. Tenants are then
 * removed under {@code LOCK TABLE tenants IN SHARE MODE}, after reading again which of them are
 * still missing: no tenant can be created (or changed) while the lock is held, so none can be
 * created and provisioned between that reading and the removal. The lock is only taken when there
 * is something to remove, waits at most {@link #LOCK_WAIT}, and is held for the Kafka calls of the
 * removal, until the brokers no longer list the deleted topics; changes to tenants wait that long.
 * Two sweeps may hold it at once; removing twice changes nothing.
 */
public final class AgentAccessSweep {
    private static final Logger LOG = LoggerFactory.getLogger(AgentAccessSweep.class);
    /** How long a sweep waits for the tenants table; an API transaction in the way makes it try at the next pass. */
    static final Duration LOCK_WAIT = Duration.ofSeconds(2);

    private final DSLContext dsl;
    private final KafkaAgentAccess access;
    private final TenantTopics topics;

    public AgentAccessSweep(DSLContext dsl, KafkaAgentAccess access, TenantTopics topics) {
        this.dsl = dsl;
        this.access = access;
        this.topics = topics;
    }

    /** What one pass did. */
    public record Outcome(SortedSet<String> removed, SortedSet<String> requeued) {
    }

    /**
     * One pass: removes the access of deleted tenants' agents and their topics, and queues tenants
     * whose clusters lack theirs.
     */
    public Outcome sweep() {
        AgentsOnBroker onBroker = access.agentsOnBroker();
        SortedSet<String> withTopics = topics.tenantsOnBroker();
        Map<String, SortedSet<String>> existing = clustersByTenant(dsl);
        access.forgetAllBut(existing.keySet());
        SortedSet<String> gone = new TreeSet<>(onBroker.tenants());
        gone.addAll(withTopics);
        gone.removeAll(existing.keySet());
        SortedSet<String> removed = gone.isEmpty() ? new TreeSet<>() : removeUnderLock(gone, onBroker);
        SortedSet<String> lacking = new TreeSet<>();
        existing.forEach((tenant, clusters) -> {
            if (clusters.stream().anyMatch(cluster -> !onBroker.hasAcls(tenant, cluster))) {
                lacking.add(tenant);
            }
        });
        SortedSet<String> requeued = lacking.isEmpty() ? new TreeSet<>() : requeue(lacking);
        return new Outcome(removed, requeued);
    }

    private SortedSet<String> removeUnderLock(Set<String> gone, AgentsOnBroker onBroker) {
        return dsl.transactionResult(configuration -> {
            DSLContext tx = configuration.dsl();
            // Each statement sees what is committed once the lock is held, not a snapshot from before it.
            tx.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED");
            tx.execute("SET LOCAL lock_timeout = '" + LOCK_WAIT.toMillis() + "ms'");
            tx.execute("LOCK TABLE tenants IN SHARE MODE");
            SortedSet<String> stillGone = new TreeSet<>(gone);
            stillGone.removeAll(tx.select(TENANTS.NAME).from(TENANTS).where(TENANTS.NAME.in(gone)).fetch(TENANTS.NAME));
            for (String tenant : stillGone) {
                access.removeTenant(tenant, onBroker);
                topics.delete(tenant);
            }
            return stillGone;
        });
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

    private static Map<String, SortedSet<String>> clustersByTenant(DSLContext dsl) {
        Map<String, SortedSet<String>> clusters = new TreeMap<>();
        for (Record2<String, String> row : dsl.select(TENANTS.NAME, CLUSTERS.NAME)
                .from(TENANTS).leftJoin(CLUSTERS).on(CLUSTERS.TENANT_ID.eq(TENANTS.ID))
                .fetch()) {
            SortedSet<String> ofTenant = clusters.computeIfAbsent(row.value1(), tenant -> new TreeSet<>());
            if (row.value2() != null) {
                ofTenant.add(row.value2());
            }
        }
        return clusters;
    }
}

package dev.fedmesh.distributor.outbox;

import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.distributor.publish.DesiredConfigPublisher;
import dev.fedmesh.distributor.state.TenantStateReader;
import dev.fedmesh.distributor.status.PublishedConfigs;
import dev.fedmesh.policy.compiler.DesiredConfigCompiler;
import dev.fedmesh.policy.compiler.TenantState;
import org.jooq.DSLContext;
import org.jooq.exception.DataAccessException;
import org.jooq.Record1;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.UUID;

import static dev.fedmesh.db.jooq.Tables.OUTBOX;

/**
 * Moves committed changes from the outbox to Kafka: for each tenant with unpublished rows, in
 * one snapshot transaction, it locks those rows, compiles the tenant's whole state into one
 * config per cluster, publishes them, and marks the rows published. A crash or a Kafka failure
 * before the commit leaves the rows to be published again: delivery is at least once, and since
 * configs are whole and carry their revision, a repeat changes nothing at the agent.
 */
public final class OutboxRelay implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(OutboxRelay.class);
    private static final int TENANTS_PER_PASS = 50;
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    private final DSLContext dsl;
    private final OutboxListener listener;
    private final DesiredConfigPublisher publisher;
    private final TenantStateReader reader = new TenantStateReader();
    private final Duration pollInterval;
    private static final String SERIALIZATION_FAILURE = "40001";
    private volatile boolean running = true;
    private boolean retryAtOnce;

    public OutboxRelay(DSLContext dsl, String jdbcUrl, String username, String password,
                       DesiredConfigPublisher publisher, Duration pollInterval) {
        this.dsl = dsl;
        this.listener = new OutboxListener(jdbcUrl, username, password);
        this.publisher = publisher;
        this.pollInterval = pollInterval;
    }

    @Override
    public void run() {
        Duration backoff = pollInterval;
        while (running) {
            try {
                int published = publishPending();
                backoff = pollInterval;
                if (published < TENANTS_PER_PASS && !retryAtOnce) {
                    listener.await(pollInterval);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                LOG.warn("Publishing pending changes failed ({}); retrying in {} ms, nothing is lost: "
                        + "the changes stay in the outbox", e.getMessage(), backoff.toMillis());
                if (!sleep(backoff)) {
                    return;
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    /** Publishes every tenant with unpublished changes once; returns how many tenants it published. */
    public int publishPending() {
        List<UUID> tenants = dsl.selectDistinct(OUTBOX.TENANT_ID)
                .from(OUTBOX)
                .where(OUTBOX.PUBLISHED_AT.isNull())
                .limit(TENANTS_PER_PASS)
                .fetch(Record1::value1);
        int published = 0;
        retryAtOnce = false;
        for (UUID tenant : tenants) {
            try {
                if (running && publishTenant(tenant)) {
                    published++;
                }
            } catch (DataAccessException e) {
                if (!SERIALIZATION_FAILURE.equals(e.sqlState())) {
                    throw e;
                }
                // The tenant changed while its snapshot was being published: its newer change is
                // already in the outbox, so publish again at once rather than back off.
                LOG.debug("Tenant {} changed while it was being published; publishing its newer state", tenant);
                retryAtOnce = true;
            }
        }
        return published;
    }

    private boolean publishTenant(UUID tenantId) {
        return dsl.transactionResult(configuration -> {
            DSLContext tx = configuration.dsl();
            List<Long> claimed = tx.select(OUTBOX.ID)
                    .from(OUTBOX)
                    .where(OUTBOX.TENANT_ID.eq(tenantId).and(OUTBOX.PUBLISHED_AT.isNull()))
                    .forUpdate()
                    .skipLocked()
                    .fetch(OUTBOX.ID);
            if (claimed.isEmpty()) {
                return false;
            }
            long started = System.nanoTime();
            Optional<TenantState> state = reader.read(tx, tenantId);
            if (state.isPresent()) {
                SortedMap<String, DesiredConfig> configs = DesiredConfigCompiler.compile(state.get());
                Map<String, byte[]> published = publisher.publish(state.get().tenant(), configs);
                PublishedConfigs.record(tx, tenantId, state.get().revision(), published);
                LOG.info("Published tenant {} revision {} to {} cluster(s) {} in {} ms",
                        state.get().tenant(), state.get().revision(), configs.size(), configs.keySet(),
                        (System.nanoTime() - started) / 1_000_000);
            }
            tx.update(OUTBOX)
                    .set(OUTBOX.PUBLISHED_AT, OffsetDateTime.now())
                    .where(OUTBOX.ID.in(claimed))
                    .execute();
            return true;
        });
    }

    private boolean sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Stops after the tenant in hand; unpublished rows stay for the next start. */
    public void stop() {
        running = false;
        listener.close();
    }
}

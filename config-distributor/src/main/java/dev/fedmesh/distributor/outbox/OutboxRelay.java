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
import org.jooq.impl.DSL;
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
 *
 * <p><b>Several instances.</b> Any number of relays may run on one database and broker; they share
 * the work tenant by tenant. A tenant's transaction first takes a per-tenant advisory transaction
 * lock ({@code pg_try_advisory_xact_lock}, keyed by the tenant id's two halves XOR-ed into one
 * {@code bigint}, the same in every instance and release). A relay that cannot take it skips the
 * tenant: another relay is publishing it right now. So each tenant is published by one relay at a
 * time, while different tenants are published by different relays in parallel. The lock ends with
 * the transaction, whatever happens to the relay. Changes committed after the holder's snapshot are
 * not among the rows it marks: they stay unpublished, their notification wakes every relay, and the
 * next pass publishes them at their newer revision.
 *
 * <p><b>Why no older revision is ever sent after a newer one.</b> Publishes of a tenant are
 * serialized by the lock, and each holder's snapshot shows the commits of the holders before it, so
 * the revisions a tenant's topic receives only go forward. One moment needs care: a REPEATABLE READ
 * snapshot is taken when the transaction's first statement starts, and that statement is the lock
 * itself, so the snapshot is a moment older than the lock. If the previous holder commits in that
 * moment, the snapshot misses its commit; then either it shows no unpublished row (nothing is
 * sent), or it shows rows the previous holder marked published, and locking them ({@code FOR
 * UPDATE}, never {@code SKIP LOCKED}) fails with a serialization failure (40001) before anything is
 * compiled, and the tenant is retried at once with a fresh snapshot; or it shows only rows nobody
 * marked, which committed after the previous holder's snapshot, so this snapshot's revision is
 * newer than the one published. As a second line, the tenant's {@code published_configs} rows are
 * locked the same way before sending (a row updated after the snapshot fails with 40001) and a
 * revision older than the newest recorded one is never sent: its rows are marked published, as the
 * newer config already holds their changes.
 *
 * <p><b>No conflicting compiles.</b> A revision names one committed state of the tenant, the
 * transaction reads it whole (the relay sets REPEATABLE READ itself rather than trusting the pool),
 * and compiling and signing (Ed25519) are deterministic: two relays sending the same revision send
 * the same bytes, provided they share the signing key, as every instance of a deployment does.
 */
public final class OutboxRelay implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(OutboxRelay.class);
    private static final int TENANTS_PER_PASS = 50;
    // A retry costs one query, so even a long outage is retried often: the change goes out soon after.
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    private final DSLContext dsl;
    private final OutboxListener listener;
    private final DesiredConfigPublisher publisher;
    private final RelayPauses pauses;
    private final TenantStateReader reader;
    private final Duration pollInterval;
    private static final String SERIALIZATION_FAILURE = "40001";
    private volatile boolean running = true;
    private boolean retryAtOnce;

    public OutboxRelay(DSLContext dsl, String jdbcUrl, String username, String password,
                       DesiredConfigPublisher publisher, Duration pollInterval) {
        this(dsl, jdbcUrl, username, password, publisher, pollInterval, RelayPauses.NONE, new TenantStateReader());
    }

    /** A relay whose configs carry the roots {@code reader} reads (see {@link TenantStateReader}). */
    public OutboxRelay(DSLContext dsl, String jdbcUrl, String username, String password,
                       DesiredConfigPublisher publisher, Duration pollInterval, TenantStateReader reader) {
        this(dsl, jdbcUrl, username, password, publisher, pollInterval, RelayPauses.NONE, reader);
    }

    OutboxRelay(DSLContext dsl, String jdbcUrl, String username, String password,
                DesiredConfigPublisher publisher, Duration pollInterval, RelayPauses pauses) {
        this(dsl, jdbcUrl, username, password, publisher, pollInterval, pauses, new TenantStateReader());
    }

    private OutboxRelay(DSLContext dsl, String jdbcUrl, String username, String password,
                        DesiredConfigPublisher publisher, Duration pollInterval, RelayPauses pauses,
                        TenantStateReader reader) {
        this.dsl = dsl;
        this.reader = reader;
        this.listener = new OutboxListener(jdbcUrl, username, password);
        this.publisher = publisher;
        this.pollInterval = pollInterval;
        this.pauses = pauses;
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

    /**
     * Publishes every tenant with unpublished changes once, skipping those another relay is
     * publishing; returns how many tenants it published.
     */
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
                // The snapshot is older than a commit this transaction had to lock or check: the
                // tenant changed while it was being published (a new cluster's published_configs
                // row checks the tenant row), or another relay published it just as this snapshot
                // was taken. The newer change is in the outbox: publish again at once, not back off.
                LOG.debug("Tenant {} changed while it was being published; publishing its newer state", tenant);
                retryAtOnce = true;
            }
        }
        return published;
    }

    private boolean publishTenant(UUID tenantId) {
        return dsl.transactionResult(configuration -> {
            DSLContext tx = configuration.dsl();
            tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
            pauses.beforeTenantLock(tx, tenantId);
            if (!tx.fetchSingle(DSL.field("pg_try_advisory_xact_lock({0})", Boolean.class, DSL.val(lockKey(tenantId))))
                    .value1()) {
                LOG.debug("Tenant {} is being published by another distributor; leaving it to that one", tenantId);
                return false;
            }
            List<Long> claimed = tx.select(OUTBOX.ID)
                    .from(OUTBOX)
                    .where(OUTBOX.TENANT_ID.eq(tenantId).and(OUTBOX.PUBLISHED_AT.isNull()))
                    .forUpdate()
                    .fetch(OUTBOX.ID);
            if (claimed.isEmpty()) {
                return false;
            }
            long started = System.nanoTime();
            Optional<TenantState> state = reader.read(tx, tenantId);
            if (state.isPresent()) {
                long recorded = PublishedConfigs.lockNewestRevision(tx, tenantId);
                if (recorded > state.get().revision()) {
                    LOG.warn("Tenant {} revision {} is older than revision {} already published; not sending it, "
                            + "the newer config holds its changes", state.get().tenant(), state.get().revision(), recorded);
                } else {
                    SortedMap<String, DesiredConfig> configs = DesiredConfigCompiler.compile(state.get());
                    pauses.beforePublish(tenantId, state.get().revision());
                    Map<String, byte[]> published = publisher.publish(tenantId, state.get().tenant(), configs);
                    PublishedConfigs.record(tx, tenantId, state.get().revision(), published);
                    LOG.info("Published tenant {} revision {} to {} cluster(s) {} in {} ms",
                            state.get().tenant(), state.get().revision(), configs.size(), configs.keySet(),
                            (System.nanoTime() - started) / 1_000_000);
                }
            }
            tx.update(OUTBOX)
                    .set(OUTBOX.PUBLISHED_AT, OffsetDateTime.now())
                    .where(OUTBOX.ID.in(claimed))
                    .execute();
            return true;
        });
    }

    /** The tenant's advisory lock key: both halves of its id folded into the one bigint PostgreSQL takes. */
    private static long lockKey(UUID tenantId) {
        return tenantId.getMostSignificantBits() ^ tenantId.getLeastSignificantBits();
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

package dev.fedmesh.distributor.outbox;

import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.distributor.publish.DesiredConfigPublisher;
import dev.fedmesh.distributor.publish.PublishFailedException;
import dev.fedmesh.distributor.state.TenantStateReader;
import dev.fedmesh.distributor.status.PublishedConfigs;
import dev.fedmesh.policy.compiler.DesiredConfigCompiler;
import dev.fedmesh.policy.compiler.TenantState;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.UUID;

import static dev.fedmesh.db.jooq.Tables.OUTBOX;
import static dev.fedmesh.db.jooq.Tables.TENANT_PUBLISH_FAILURES;

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
 * <p><b>One tenant's failure is that tenant's alone.</b> Tenants are taken oldest change first (by
 * their oldest unpublished outbox row), those whose last attempt failed after all the others. A
 * tenant whose publish fails for a reason of its own (a config too large to send, its CA failing, a
 * state that does not compile) or because Kafka refused or did not answer for it is <em>parked</em>
 * (see {@link ParkedTenants}): the failure is recorded with its reason in the same transaction, under
 * the tenant's lock, its outbox rows stay unpublished, and the pass goes on with the next tenant. A
 * parked tenant is left out of the passes until its back-off is over ({@link TenantBackoff}), or,
 * sooner, until it has a newer change; so parked tenants never fill a pass's window. The next
 * successful publish clears the record. What is everyone's trouble ends the pass instead and the
 * relay backs off as a whole: PostgreSQL failing, or Kafka failing for two tenants in a row (Kafka
 * itself is down, and trying every tenant would only wait on it once per tenant). Kafka failures
 * park a tenant for a few seconds at most, so when Kafka answers again every tenant is published
 * within that time.
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
    /** Kafka failing for this many tenants in a row is Kafka failing for everyone. */
    private static final int KAFKA_FAILURES_FOR_EVERYONE = 2;
    private static final String SERIALIZATION_FAILURE = "40001";
    private final DSLContext dsl;
    private final OutboxListener listener;
    private final DesiredConfigPublisher publisher;
    private final RelayPauses pauses;
    private final TenantStateReader reader;
    private final TenantBackoff backoff;
    private final Duration pollInterval;
    private volatile boolean running = true;
    private boolean passAgain;

    /** What became of one tenant in a pass. */
    private enum Outcome { PUBLISHED, SKIPPED, PARKED, KAFKA_FAILED }

    public OutboxRelay(DSLContext dsl, String jdbcUrl, String username, String password,
                       DesiredConfigPublisher publisher, Duration pollInterval) {
        this(dsl, jdbcUrl, username, password, publisher, pollInterval, RelayPauses.NONE, new TenantStateReader(),
                TenantBackoff.DEFAULT);
    }

    /** A relay whose configs carry the roots {@code reader} reads (see {@link TenantStateReader}). */
    public OutboxRelay(DSLContext dsl, String jdbcUrl, String username, String password,
                       DesiredConfigPublisher publisher, Duration pollInterval, TenantStateReader reader) {
        this(dsl, jdbcUrl, username, password, publisher, pollInterval, RelayPauses.NONE, reader, TenantBackoff.DEFAULT);
    }

    OutboxRelay(DSLContext dsl, String jdbcUrl, String username, String password,
                DesiredConfigPublisher publisher, Duration pollInterval, RelayPauses pauses) {
        this(dsl, jdbcUrl, username, password, publisher, pollInterval, pauses, new TenantStateReader(),
                TenantBackoff.DEFAULT);
    }

    OutboxRelay(DSLContext dsl, String jdbcUrl, String username, String password,
                DesiredConfigPublisher publisher, Duration pollInterval, RelayPauses pauses,
                TenantStateReader reader, TenantBackoff backoff) {
        this.dsl = dsl;
        this.reader = reader;
        this.backoff = backoff;
        this.listener = new OutboxListener(jdbcUrl, username, password);
        this.publisher = publisher;
        this.pollInterval = pollInterval;
        this.pauses = pauses;
    }

    @Override
    public void run() {
        Duration wait = pollInterval;
        while (running) {
            try {
                publishPending();
                wait = pollInterval;
                if (!passAgain) {
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
                        + "the changes stay in the outbox", e.getMessage(), wait.toMillis());
                if (!sleep(wait)) {
                    return;
                }
                wait = wait.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : wait.multipliedBy(2);
            }
        }
    }

    /**
     * Publishes once every tenant with unpublished changes that is not parked, oldest change first,
     * skipping those another relay is publishing and parking those that fail; returns how many
     * tenants it published. Throws when the failure is everyone's: PostgreSQL, or Kafka for
     * {@value #KAFKA_FAILURES_FOR_EVERYONE} tenants in a row.
     */
    public int publishPending() {
        Field<Long> newest = DSL.max(OUTBOX.ID);
        List<UUID> tenants = dsl.select(OUTBOX.TENANT_ID)
                .from(OUTBOX)
                .leftJoin(TENANT_PUBLISH_FAILURES).on(TENANT_PUBLISH_FAILURES.TENANT_ID.eq(OUTBOX.TENANT_ID))
                .where(OUTBOX.PUBLISHED_AT.isNull())
                .groupBy(OUTBOX.TENANT_ID, TENANT_PUBLISH_FAILURES.TENANT_ID, TENANT_PUBLISH_FAILURES.NEXT_ATTEMPT_AT,
                        TENANT_PUBLISH_FAILURES.RETRY_ON_CHANGE_AT, TENANT_PUBLISH_FAILURES.LAST_OUTBOX_ID)
                .having(ParkedTenants.due(newest))
                // Tenants that are not failing first, so that failing ones due again never crowd them out.
                .orderBy(DSL.when(TENANT_PUBLISH_FAILURES.TENANT_ID.isNull(), 0).otherwise(1), DSL.min(OUTBOX.ID))
                .limit(TENANTS_PER_PASS)
                .fetch(OUTBOX.TENANT_ID);
        int published = 0;
        int skipped = 0;
        int kafkaFailuresInARow = 0;
        passAgain = false;
        for (UUID tenant : tenants) {
            if (!running) {
                break;
            }
            try {
                Outcome outcome = publishTenant(tenant);
                if (outcome == Outcome.PUBLISHED) {
                    published++;
                } else if (outcome == Outcome.SKIPPED) {
                    skipped++;
                }
                kafkaFailuresInARow = outcome == Outcome.KAFKA_FAILED ? kafkaFailuresInARow + 1 : 0;
                if (kafkaFailuresInARow == KAFKA_FAILURES_FOR_EVERYONE) {
                    throw new PublishFailedException("Kafka failed for " + kafkaFailuresInARow + " tenants in a row, so it"
                            + " fails for every tenant: the pass stops and the relay backs off", null);
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
                passAgain = true;
            }
        }
        // A full window may have left due tenants behind it: pass again at once rather than wait for a
        // notification; but not when some were skipped, as they would fill the next window again.
        passAgain |= tenants.size() == TENANTS_PER_PASS && skipped == 0;
        return published;
    }

    private Outcome publishTenant(UUID tenantId) {
        return dsl.transactionResult(configuration -> {
            DSLContext tx = configuration.dsl();
            tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
            pauses.beforeTenantLock(tx, tenantId);
            if (!tx.fetchSingle(DSL.field("pg_try_advisory_xact_lock({0})", Boolean.class, DSL.val(lockKey(tenantId))))
                    .value1()) {
                LOG.debug("Tenant {} is being published by another distributor; leaving it to that one", tenantId);
                return Outcome.SKIPPED;
            }
            List<Long> claimed = tx.select(OUTBOX.ID)
                    .from(OUTBOX)
                    .where(OUTBOX.TENANT_ID.eq(tenantId).and(OUTBOX.PUBLISHED_AT.isNull()))
                    .forUpdate()
                    .fetch(OUTBOX.ID);
            if (claimed.isEmpty()) {
                return Outcome.SKIPPED;
            }
            long newestClaimed = Collections.max(claimed);
            Optional<ParkedTenants.Parked> parked = ParkedTenants.find(tx, tenantId);
            if (parked.isPresent() && !parked.get().due(tx.select(DSL.currentOffsetDateTime()).fetchSingle().value1(),
                    newestClaimed)) {
                // Another relay parked it after this pass chose its tenants.
                return Outcome.SKIPPED;
            }
            long started = System.nanoTime();
            try {
                // In a savepoint, so that a failure undoes the attempt but leaves this transaction to record it.
                tx.transaction(attempt -> publish(attempt.dsl(), tenantId, started));
            } catch (DataAccessException e) {
                throw e;
            } catch (RuntimeException e) {
                if (!running) {
                    throw e;
                }
                return park(tx, tenantId, parked, PublishFailure.of(e), Duration.ofNanos(System.nanoTime() - started),
                        newestClaimed);
            }
            if (parked.isPresent()) {
                ParkedTenants.clear(tx, tenantId);
                LOG.info("Tenant {} published again after {} failed attempt(s) since {}", tenantId,
                        parked.get().attempts(), parked.get().failingSince());
            }
            tx.update(OUTBOX)
                    .set(OUTBOX.PUBLISHED_AT, OffsetDateTime.now())
                    .where(OUTBOX.ID.in(claimed))
                    .execute();
            return Outcome.PUBLISHED;
        });
    }

    /** Compiles the tenant's state as {@code tx} sees it and publishes it, unless a newer revision is already out. */
    private void publish(DSLContext tx, UUID tenantId, long started) {
        Optional<TenantState> state = reader.read(tx, tenantId);
        if (state.isEmpty()) {
            return;
        }
        long recorded = PublishedConfigs.lockNewestRevision(tx, tenantId);
        if (recorded > state.get().revision()) {
            LOG.warn("Tenant {} revision {} is older than revision {} already published; not sending it, "
                    + "the newer config holds its changes", state.get().tenant(), state.get().revision(), recorded);
            return;
        }
        SortedMap<String, DesiredConfig> configs = DesiredConfigCompiler.compile(state.get());
        pauses.beforePublish(tenantId, state.get().revision());
        Map<String, byte[]> published = publisher.publish(tenantId, state.get().tenant(), configs);
        PublishedConfigs.record(tx, tenantId, state.get().revision(), published);
        LOG.info("Published tenant {} revision {} to {} cluster(s) {} in {} ms",
                state.get().tenant(), state.get().revision(), configs.size(), configs.keySet(),
                (System.nanoTime() - started) / 1_000_000);
    }

    private Outcome park(DSLContext tx, UUID tenantId, Optional<ParkedTenants.Parked> before, PublishFailure failure,
                         Duration took, long newestClaimed) {
        var row = ParkedTenants.park(tx, tenantId, before, failure, took, newestClaimed, backoff);
        LOG.warn("Tenant {} could not be published ({}, attempt {} since {}): {}; its changes stay in the outbox and"
                        + " it is tried again at {}, or at {} if it changes, while the other tenants are published",
                tenantId, failure.code().wire(), row.getAttempts(), row.getFailingSince(), failure.message(),
                row.getNextAttemptAt(), row.getRetryOnChangeAt());
        return failure.code().tenantsOwn() ? Outcome.PARKED : Outcome.KAFKA_FAILED;
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

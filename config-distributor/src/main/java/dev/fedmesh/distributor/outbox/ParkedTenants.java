package dev.fedmesh.distributor.outbox;

import dev.fedmesh.db.jooq.tables.records.TenantPublishFailuresRecord;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.impl.DSL;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;

import static dev.fedmesh.db.jooq.Tables.TENANT_PUBLISH_FAILURES;

/**
 * The tenants whose publish failed (table {@code tenant_publish_failures}), each parked until its
 * next attempt: written and cleared by the relay inside the tenant's publishing transaction, under
 * its lock, so a success and a failure of one tenant can never overwrite each other out of order.
 */
final class ParkedTenants {
    private ParkedTenants() {
    }

    /** A parked tenant's row, as much of it as deciding whether it is due needs. */
    record Parked(int attempts, OffsetDateTime failingSince, OffsetDateTime nextAttemptAt,
                  OffsetDateTime retryOnChangeAt, long lastOutboxId) {

        /** Due at {@code now}, given that the newest of its unpublished outbox rows is {@code newestOutboxId}. */
        boolean due(OffsetDateTime now, long newestOutboxId) {
            return !now.isBefore(nextAttemptAt) || (newestOutboxId > lastOutboxId && !now.isBefore(retryOnChangeAt));
        }
    }

    /**
     * The condition, over the outbox grouped by tenant and left-joined with the failures, that a tenant
     * is due: not parked, its back-off over, or a change committed after its last attempt and its
     * shorter wait for a change over.
     */
    static Condition due(Field<Long> newestOutboxId) {
        Field<OffsetDateTime> now = DSL.currentOffsetDateTime();
        return TENANT_PUBLISH_FAILURES.TENANT_ID.isNull()
                .or(TENANT_PUBLISH_FAILURES.NEXT_ATTEMPT_AT.le(now))
                .or(newestOutboxId.gt(TENANT_PUBLISH_FAILURES.LAST_OUTBOX_ID)
                        .and(TENANT_PUBLISH_FAILURES.RETRY_ON_CHANGE_AT.le(now)));
    }

    static Optional<Parked> find(DSLContext tx, UUID tenantId) {
        return tx.selectFrom(TENANT_PUBLISH_FAILURES)
                .where(TENANT_PUBLISH_FAILURES.TENANT_ID.eq(tenantId))
                .fetchOptional()
                .map(row -> new Parked(row.getAttempts(), row.getFailingSince(), row.getNextAttemptAt(),
                        row.getRetryOnChangeAt(), row.getLastOutboxId()));
    }

    /**
     * Parks the tenant after a failed attempt that took {@code took} and covered its outbox rows up to
     * {@code newestOutboxId}; returns its row as written.
     */
    static TenantPublishFailuresRecord park(DSLContext tx, UUID tenantId, Optional<Parked> before, PublishFailure failure,
                                            Duration took, long newestOutboxId, TenantBackoff backoff) {
        OffsetDateTime now = tx.select(DSL.field("clock_timestamp()", OffsetDateTime.class)).fetchSingle().value1();
        int attempts = before.map(Parked::attempts).orElse(0) + 1;
        OffsetDateTime next = now.plus(backoff.next(attempts, failure.code(), took));
        OffsetDateTime onChange = now.plus(backoff.onChange(failure.code(), took));
        TenantPublishFailuresRecord row = tx.newRecord(TENANT_PUBLISH_FAILURES);
        row.setTenantId(tenantId);
        row.setFailingSince(before.map(Parked::failingSince).orElse(now));
        row.setAttempts(attempts);
        row.setErrorCode(failure.code().wire());
        row.setLastError(failure.message());
        row.setLastAttemptAt(now);
        row.setNextAttemptAt(next);
        row.setRetryOnChangeAt(onChange.isBefore(next) ? onChange : next);
        row.setLastOutboxId(newestOutboxId);
        tx.insertInto(TENANT_PUBLISH_FAILURES).set(row)
                .onConflict(TENANT_PUBLISH_FAILURES.TENANT_ID).doUpdate().set(row)
                .execute();
        return row;
    }

    /** Forgets the tenant's failures: it was just published. */
    static void clear(DSLContext tx, UUID tenantId) {
        tx.deleteFrom(TENANT_PUBLISH_FAILURES).where(TENANT_PUBLISH_FAILURES.TENANT_ID.eq(tenantId)).execute();
    }
}

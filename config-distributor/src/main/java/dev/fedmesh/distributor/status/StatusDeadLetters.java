package dev.fedmesh.distributor.status;

import dev.fedmesh.api.StatusReportLimits;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

import java.util.UUID;

import static dev.fedmesh.db.jooq.Tables.STATUS_DEAD_LETTERS;

/**
 * Status records the distributor could not take, kept for the operator in
 * {@code status_dead_letters}: one row per cluster and reason, counting occurrences and pointing
 * at the newest such record on Kafka. Writing one never blocks the partition it came from.
 */
public final class StatusDeadLetters {

    private final DSLContext dsl;

    public StatusDeadLetters(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** Why a record was not taken, as the table names it. */
    public enum Reason {
        /** Its HMAC is missing or not that of the cluster it is keyed by. */
        UNAUTHENTICATED,
        /** Authenticated, but not a ClusterStatus of the cluster and tenant it was sent for. */
        UNPARSEABLE,
        /** Authenticated and read, but the database refused it. */
        UNSTORABLE;

        String column() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** One record not taken: whose, why, and where it is. {@code detail} is bounded before it is stored. */
    public record DeadLetter(UUID tenantId, String cluster, Reason reason, String topic, int partition, long offset,
                             int bytes, String detail) {
    }

    /** Counts the record in its cluster's row for its reason, created on first sight. */
    public void record(DeadLetter letter) {
        String detail = StatusReportLimits.text(letter.detail(), StatusReportLimits.MAX_ERROR);
        dsl.insertInto(STATUS_DEAD_LETTERS)
                .set(STATUS_DEAD_LETTERS.TENANT_ID, letter.tenantId())
                .set(STATUS_DEAD_LETTERS.CLUSTER, letter.cluster())
                .set(STATUS_DEAD_LETTERS.REASON, letter.reason().column())
                .set(STATUS_DEAD_LETTERS.TOPIC, letter.topic())
                .set(STATUS_DEAD_LETTERS.PARTITION, letter.partition())
                .set(STATUS_DEAD_LETTERS.RECORD_OFFSET, letter.offset())
                .set(STATUS_DEAD_LETTERS.RECORD_BYTES, letter.bytes())
                .set(STATUS_DEAD_LETTERS.DETAIL, detail)
                .onConflict(STATUS_DEAD_LETTERS.TENANT_ID, STATUS_DEAD_LETTERS.CLUSTER, STATUS_DEAD_LETTERS.REASON)
                .doUpdate()
                .set(STATUS_DEAD_LETTERS.OCCURRENCES, STATUS_DEAD_LETTERS.OCCURRENCES.plus(1))
                .set(STATUS_DEAD_LETTERS.TOPIC, letter.topic())
                .set(STATUS_DEAD_LETTERS.PARTITION, letter.partition())
                .set(STATUS_DEAD_LETTERS.RECORD_OFFSET, letter.offset())
                .set(STATUS_DEAD_LETTERS.RECORD_BYTES, letter.bytes())
                .set(STATUS_DEAD_LETTERS.DETAIL, detail)
                .set(STATUS_DEAD_LETTERS.LAST_AT, DSL.currentOffsetDateTime())
                .execute();
    }
}

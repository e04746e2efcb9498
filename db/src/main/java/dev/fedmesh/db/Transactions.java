package dev.fedmesh.db;

import org.jooq.DSLContext;
import org.jooq.TransactionalCallable;

/**
 * Transactions that take their connection from the pool once. jOOQ's own transaction provider
 * asks the pool again to roll back, and again to restore auto-commit, when its first ask failed:
 * with PostgreSQL down, every write waited three connection timeouts before its 503.
 */
public final class Transactions {
    private Transactions() {
    }

    /** Runs {@code work} in one transaction on a connection taken up front; no connection, one timeout, one exception. */
    public static <T> T result(DSLContext dsl, TransactionalCallable<T> work) {
        return dsl.connectionResult(connection -> dsl.configuration().derive(connection).dsl().transactionResult(work));
    }
}

package dev.fedmesh.distributor;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/**
 * The distributor's PostgreSQL connection pool. Its transactions run at READ COMMITTED, so a write
 * that waits for a row another transaction holds (an API write's tenant row, say) goes on once it
 * is free instead of failing with a serialization failure; a transaction that must read one
 * snapshot asks for it itself (the outbox relay's publish, at REPEATABLE READ), and one that calls
 * a CA is built so that nothing after the call can fail for a concurrent write.
 */
public final class DistributorPool {
    /**
     * One connection each for the relay, status ingestion, root rotations and the agent access sweep,
     * one spare (recording a trust domain's first roots takes a second connection while a publish holds one).
     */
    static final int SIZE = 5;

    private DistributorPool() {
    }

    /** A pool of {@code size} connections to the database {@code settings} name. */
    public static HikariDataSource open(DistributorSettings settings, int size) {
        HikariConfig pool = new HikariConfig();
        pool.setJdbcUrl(settings.jdbcUrl());
        pool.setUsername(settings.dbUsername());
        pool.setPassword(settings.dbPassword());
        pool.setMaximumPoolSize(size);
        pool.setPoolName("fedmesh-distributor");
        pool.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
        pool.setInitializationFailTimeout(-1);
        return new HikariDataSource(pool);
    }
}

package dev.fedmesh.db;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.List;

/** Telling a database that does not answer from one that refused what it was asked. */
public final class DatabaseErrors {
    // SQLSTATE class 08: connection exceptions; 57P01-57P03: the server is shutting down or starting.
    private static final List<String> UNAVAILABLE_STATES = List.of("08", "57P01", "57P02", "57P03");

    private DatabaseErrors() {
    }

    /**
     * Whether {@code error} (or a cause of it) says PostgreSQL does not answer: no connection within
     * the pool's timeout, a connection lost, a server shutting down or starting. Such a failure is
     * everyone's and passes; any other is about what was asked and would fail again.
     */
    public static boolean isUnavailable(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLTransientConnectionException) {
                return true;
            }
            if (cause instanceof SQLException sql && sql.getSQLState() != null
                    && UNAVAILABLE_STATES.stream().anyMatch(sql.getSQLState()::startsWith)) {
                return true;
            }
        }
        return false;
    }
}

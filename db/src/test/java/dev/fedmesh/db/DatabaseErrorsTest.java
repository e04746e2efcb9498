package dev.fedmesh.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.jooq.exception.DataAccessException;
import org.junit.jupiter.api.Test;

class DatabaseErrorsTest {

    @Test
    void noConnectionOrALostOneIsTheDatabaseBeingUnavailable() {
        assertThat(DatabaseErrors.isUnavailable(new DataAccessException("Error getting connection",
                new SQLTransientConnectionException("fedmesh - Connection is not available, request timed out")))).isTrue();
        assertThat(DatabaseErrors.isUnavailable(new DataAccessException("I/O error",
                new SQLException("An I/O error occurred while sending to the backend.", "08006")))).isTrue();
        assertThat(DatabaseErrors.isUnavailable(new DataAccessException("shutting down",
                new SQLException("terminating connection due to administrator command", "57P01")))).isTrue();
    }

    @Test
    void otherDatabaseErrorsAreNot() {
        assertThat(DatabaseErrors.isUnavailable(new DataAccessException("duplicate key",
                new SQLException("duplicate key value violates unique constraint", "23505")))).isFalse();
        assertThat(DatabaseErrors.isUnavailable(new DataAccessException("no cause"))).isFalse();
    }
}

package dev.fedmesh.controlapi.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.jooq.exception.DataAccessException;
import org.junit.jupiter.api.Test;

class DatabaseErrorHandlerTest {

    @Test
    void noConnectionOrALostOneIsTheDatabaseBeingUnavailable() {
        assertThat(DatabaseErrorHandler.isUnavailable(new DataAccessException("Error getting connection",
                new SQLTransientConnectionException("fedmesh - Connection is not available, request timed out")))).isTrue();
        assertThat(DatabaseErrorHandler.isUnavailable(new DataAccessException("I/O error",
                new SQLException("An I/O error occurred while sending to the backend.", "08006")))).isTrue();
        assertThat(DatabaseErrorHandler.isUnavailable(new DataAccessException("shutting down",
                new SQLException("terminating connection due to administrator command", "57P01")))).isTrue();
    }

    @Test
    void otherDatabaseErrorsAreNot() {
        assertThat(DatabaseErrorHandler.isUnavailable(new DataAccessException("duplicate key",
                new SQLException("duplicate key value violates unique constraint", "23505")))).isFalse();
        assertThat(DatabaseErrorHandler.isUnavailable(new DataAccessException("no cause"))).isFalse();
    }
}

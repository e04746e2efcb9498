package dev.fedmesh.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

class TestPostgresTest {

    @Test
    void aTableCreatedInOneNewDatabaseIsAbsentFromAnother() throws SQLException {
        TestDatabase first = TestPostgres.newDatabase(TestPostgresTest.class);
        TestDatabase second = TestPostgres.newDatabase(TestPostgresTest.class);

        try (Connection connection = first.dataSource().getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE greetings (text text NOT NULL)");
            statement.execute("INSERT INTO greetings VALUES ('hello')");
        }

        assertThat(first.jdbcUrl()).isNotEqualTo(second.jdbcUrl());
        assertThat(tableExists(first, "greetings")).isTrue();
        assertThat(tableExists(second, "greetings")).isFalse();
    }

    @Test
    void newDatabaseIsNamedAfterItsTestClass() {
        TestDatabase database = TestPostgres.newDatabase(TestPostgresTest.class);

        assertThat(database.jdbcUrl())
                .startsWith("jdbc:postgresql://")
                .matches(".*/t_test_postgres_test_[0-9a-f]{8}");
    }

    @Test
    void newDatabaseServesQueriesWithTheGivenCredentials() throws SQLException {
        TestDatabase database = TestPostgres.newDatabase(TestPostgresTest.class);

        try (Connection connection = database.dataSource().getConnection();
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("SELECT current_database(), current_user, current_setting('server_version_num')::int")) {
            assertThat(result.next()).isTrue();
            assertThat(database.jdbcUrl()).endsWith("/" + result.getString(1));
            assertThat(result.getString(2)).isEqualTo(database.username());
            assertThat(result.getInt(3)).as("PostgreSQL major").isBetween(150000, 159999);
        }
    }

    private static boolean tableExists(TestDatabase database, String table) throws SQLException {
        try (Connection connection = database.dataSource().getConnection();
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("SELECT to_regclass('public." + table + "') IS NOT NULL")) {
            result.next();
            return result.getBoolean(1);
        }
    }
}

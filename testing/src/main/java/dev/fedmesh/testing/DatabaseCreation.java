package dev.fedmesh.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.regex.Pattern;

/** Creates databases on any PostgreSQL server through a connection to one that already exists. */
final class DatabaseCreation {

    // Lower-case, unquoted-identifier-safe, within PostgreSQL's 63-byte name limit.
    private static final Pattern NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private DatabaseCreation() {}

    static String create(PostgresServer server, String existingDatabase, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "database name '" + name + "' is not usable: use 1-63 characters of a-z, 0-9 and _, not starting with a digit");
        }
        try (Connection connection =
                        DriverManager.getConnection(server.jdbcUrl(existingDatabase), server.username(), server.password());
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "could not create database " + name + " on " + server.host() + ":" + server.port() + ": " + e.getMessage(), e);
        }
        return server.jdbcUrl(name);
    }
}

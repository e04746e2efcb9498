package dev.fedmesh.testing;

import java.net.URI;

/** A PostgreSQL server someone else runs, named by a JDBC URL; closing it leaves it running. */
final class ExternalPostgres implements PostgresServer {

    private final String host;
    private final int port;
    private final String database;
    private final String username;
    private final String password;
    // Connection options from the given URL (sslmode, ...), kept for every database's URL.
    private final String query;

    private ExternalPostgres(
            String host, int port, String database, String username, String password, String query) {
        this.host = host;
        this.port = port;
        this.database = database;
        this.username = username;
        this.password = password;
        this.query = query;
    }

    /** From {@code jdbc:postgresql://host[:port][/database]}; without a database, {@code postgres} is used to create others. */
    static ExternalPostgres fromJdbcUrl(String jdbcUrl, String username, String password) {
        String prefix = "jdbc:postgresql://";
        if (!jdbcUrl.startsWith(prefix)) {
            throw new IllegalArgumentException(
                    "'" + jdbcUrl + "' is not a PostgreSQL JDBC URL: expected jdbc:postgresql://host:port/database");
        }
        URI uri = URI.create("postgresql://" + jdbcUrl.substring(prefix.length()));
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("'" + jdbcUrl + "' names no host: expected jdbc:postgresql://host:port/database");
        }
        String path = uri.getRawPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
        return new ExternalPostgres(
                uri.getHost(),
                uri.getPort() == -1 ? 5432 : uri.getPort(),
                path.isEmpty() ? "postgres" : path,
                username,
                password,
                uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    }

    @Override
    public String host() {
        return host;
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public String username() {
        return username;
    }

    @Override
    public String password() {
        return password;
    }

    @Override
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database + query;
    }

    @Override
    public String createDatabase(String name) {
        return DatabaseCreation.create(this, database, name);
    }

    @Override
    public void close() {
        // Not ours to stop.
    }

    @Override
    public String toString() {
        return "external PostgreSQL on " + host + ":" + port;
    }
}

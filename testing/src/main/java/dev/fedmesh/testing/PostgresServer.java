package dev.fedmesh.testing;

/** A running PostgreSQL server (embedded, container, or external). */
public interface PostgresServer extends AutoCloseable {

    String host();

    int port();

    String username();

    String password();

    /** jdbc:postgresql://host:port/&lt;database&gt; */
    String jdbcUrl(String database);

    /** Creates a new, empty database and returns its JDBC URL. */
    String createDatabase(String name);

    @Override
    void close();
}

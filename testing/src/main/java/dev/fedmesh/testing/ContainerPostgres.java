package dev.fedmesh.testing;

import org.testcontainers.containers.PostgreSQLContainer;

/** PostgreSQL in a Testcontainers container, for machines with a Docker engine. */
final class ContainerPostgres implements PostgresServer {

    // The PostgreSQL major of the embedded binaries, which is the one we run in production.
    private static final String IMAGE = "postgres:" + ServerVersions.postgresMajor() + "-alpine";

    private final PostgreSQLContainer<?> container;

    private ContainerPostgres(PostgreSQLContainer<?> container) {
        this.container = container;
    }

    static ContainerPostgres start() {
        PostgreSQLContainer<?> container = new PostgreSQLContainer<>(IMAGE);
        container.start();
        return new ContainerPostgres(container);
    }

    @Override
    public String host() {
        return container.getHost();
    }

    @Override
    public int port() {
        return container.getMappedPort(PostgreSQLContainer.POSTGRESQL_PORT);
    }

    @Override
    public String username() {
        return container.getUsername();
    }

    @Override
    public String password() {
        return container.getPassword();
    }

    @Override
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host() + ":" + port() + "/" + database;
    }

    @Override
    public String createDatabase(String name) {
        return DatabaseCreation.create(this, container.getDatabaseName(), name);
    }

    @Override
    public void close() {
        container.stop();
    }

    @Override
    public String toString() {
        return "PostgreSQL container " + IMAGE + " on " + host() + ":" + port();
    }
}

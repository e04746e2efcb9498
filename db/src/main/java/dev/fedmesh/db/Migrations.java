package dev.fedmesh.db;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/** Brings a database to the current schema with the Flyway migrations shipped in this jar. */
public final class Migrations {

    /** Where the migrations are on the classpath. */
    public static final String LOCATION = "classpath:db/migration";

    private Migrations() {}

    /**
     * Applies every migration the database does not have yet; a no-op when it is current. Safe to
     * call from several processes at once: Flyway serialises them with a PostgreSQL advisory lock.
     */
    public static void apply(DataSource dataSource) {
        Flyway.configure()
                .dataSource(dataSource)
                .locations(LOCATION)
                .load()
                .migrate();
    }
}

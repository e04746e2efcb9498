package dev.fedmesh.controlapi.store;

import dev.fedmesh.db.Migrations;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;

import javax.sql.DataSource;

/** Applies pending Flyway migrations before the API serves; turn off with fedmesh.db.migrate=false. */
@Context
@Requires(property = "fedmesh.db.migrate", notEquals = "false")
public final class SchemaMigration {
    public SchemaMigration(DataSource dataSource) {
        Migrations.apply(dataSource);
    }
}

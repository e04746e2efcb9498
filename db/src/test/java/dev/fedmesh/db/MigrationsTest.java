package dev.fedmesh.db;

import static dev.fedmesh.db.jooq.Tables.OUTBOX;
import static dev.fedmesh.db.jooq.Tables.TENANTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fedmesh.db.jooq.tables.records.TenantsRecord;
import dev.fedmesh.testing.TestDatabase;
import dev.fedmesh.testing.TestPostgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.UUID;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

class MigrationsTest {

    // Flyway's own table, deliberately not generated.
    private static final org.jooq.Table<?> FLYWAY_HISTORY = DSL.table(DSL.name("flyway_schema_history"));

    private static DataSource dataSource;
    private static DSLContext db;

    @BeforeAll
    static void migrateAFreshDatabase() {
        TestDatabase database = TestPostgres.newDatabase(MigrationsTest.class);
        dataSource = database.dataSource();
        Migrations.apply(dataSource);
        db = DSL.using(dataSource, SQLDialect.POSTGRES);
    }

    @Test
    void newTenantStartsAtRevisionZero() {
        UUID id = UUID.randomUUID();

        db.insertInto(TENANTS).set(TENANTS.ID, id).set(TENANTS.NAME, "payments").execute();

        TenantsRecord tenant = db.selectFrom(TENANTS).where(TENANTS.ID.eq(id)).fetchSingle();
        assertThat(tenant.getName()).isEqualTo("payments");
        assertThat(tenant.getRevision()).isZero();
        assertThat(tenant.getCreatedAt()).isNotNull();
    }

    @Test
    void aTenantCreatedAgainUnderADeletedNameGoesOnAboveTheDeletedOnesRevision() {
        UUID first = UUID.randomUUID();
        db.insertInto(TENANTS).set(TENANTS.ID, first).set(TENANTS.NAME, "ledger").execute();
        db.update(TENANTS).set(TENANTS.REVISION, 41L).where(TENANTS.ID.eq(first)).execute();
        db.deleteFrom(TENANTS).where(TENANTS.ID.eq(first)).execute();

        UUID again = UUID.randomUUID();
        db.insertInto(TENANTS).set(TENANTS.ID, again).set(TENANTS.NAME, "ledger").execute();
        UUID other = UUID.randomUUID();
        db.insertInto(TENANTS).set(TENANTS.ID, other).set(TENANTS.NAME, "journal").execute();

        assertThat(db.select(TENANTS.REVISION).from(TENANTS).where(TENANTS.ID.eq(again)).fetchSingle().value1())
                .as("the first change of the new tenant is revision 42, newer than what its topics still hold")
                .isEqualTo(41L);
        assertThat(db.select(TENANTS.REVISION).from(TENANTS).where(TENANTS.ID.eq(other)).fetchSingle().value1()).isZero();
    }

    @Test
    void tenantNameThatIsNotALowerCaseDnsLabelIsRejectedByItsCheck() {
        assertThatThrownBy(() -> db.insertInto(TENANTS)
                        .set(TENANTS.ID, UUID.randomUUID())
                        .set(TENANTS.NAME, "Payments_Team")
                        .execute())
                .isInstanceOf(DataAccessException.class)
                .hasMessageContaining("tenants_name_format");
        assertThat(db.fetchCount(TENANTS, TENANTS.NAME.eq("Payments_Team"))).isZero();
    }

    @Test
    void outboxRowWakesListenersWithItsTenantId() throws SQLException {
        UUID tenantId = UUID.randomUUID();
        db.insertInto(TENANTS).set(TENANTS.ID, tenantId).set(TENANTS.NAME, "checkout").execute();

        try (Connection listener = dataSource.getConnection()) {
            try (Statement statement = listener.createStatement()) {
                statement.execute("LISTEN fedmesh_outbox");
            }

            db.insertInto(OUTBOX).set(OUTBOX.TENANT_ID, tenantId).set(OUTBOX.REVISION, 1L).execute();

            PGNotification[] notifications = listener.unwrap(PGConnection.class).getNotifications(5_000);
            assertThat(notifications).isNotNull();
            assertThat(Arrays.asList(notifications)).singleElement().satisfies(notification -> {
                assertThat(notification.getName()).isEqualTo("fedmesh_outbox");
                assertThat(notification.getParameter()).isEqualTo(tenantId.toString());
            });
        }
    }

    @Test
    void applyingAgainToACurrentDatabaseChangesNothing() {
        int tenantsBefore = db.fetchCount(TENANTS);
        int migrationsBefore = db.fetchCount(FLYWAY_HISTORY);

        Migrations.apply(dataSource);

        assertThat(db.fetchCount(TENANTS)).isEqualTo(tenantsBefore);
        assertThat(db.fetchCount(FLYWAY_HISTORY)).isEqualTo(migrationsBefore).isPositive();
    }
}

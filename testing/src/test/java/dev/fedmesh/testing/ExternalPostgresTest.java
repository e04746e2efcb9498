package dev.fedmesh.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ExternalPostgresTest {

    @Test
    void serverAddressAndOptionsAreTakenFromTheJdbcUrl() {
        PostgresServer server =
                ExternalPostgres.fromJdbcUrl("jdbc:postgresql://db.example:6543/admin?sslmode=require", "fedmesh", "secret");

        assertThat(server.host()).isEqualTo("db.example");
        assertThat(server.port()).isEqualTo(6543);
        assertThat(server.username()).isEqualTo("fedmesh");
        assertThat(server.jdbcUrl("t_one")).isEqualTo("jdbc:postgresql://db.example:6543/t_one?sslmode=require");
    }

    @Test
    void portDefaultsToPostgresStandardPort() {
        assertThat(ExternalPostgres.fromJdbcUrl("jdbc:postgresql://db.example/", "u", "p").port()).isEqualTo(5432);
    }

    @Test
    void aUrlOfAnotherDatabaseIsRefusedWithTheExpectedForm() {
        assertThatThrownBy(() -> ExternalPostgres.fromJdbcUrl("jdbc:mysql://db.example/x", "u", "p"))
                .hasMessageContaining("jdbc:postgresql://host:port/database");
    }
}

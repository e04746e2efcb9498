package dev.fedmesh.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedPostgresTest {

    @Test
    void rowsSurviveARestartOnTheSameDataDirectory(@TempDir Path dataDirectory) throws SQLException {
        try (EmbeddedPostgres first = EmbeddedPostgres.start(dataDirectory, 0)) {
            String url = first.createDatabase("kept");
            try (Connection connection = DriverManager.getConnection(url, first.username(), first.password());
                    Statement statement = connection.createStatement()) {
                statement.execute("CREATE TABLE notes (text text NOT NULL)");
                statement.execute("INSERT INTO notes VALUES ('still here')");
            }
        }

        try (EmbeddedPostgres second = EmbeddedPostgres.start(dataDirectory, 0);
                Connection connection = DriverManager.getConnection(second.jdbcUrl("kept"), second.username(), second.password());
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("SELECT text FROM notes")) {
            assertThat(result.next()).isTrue();
            assertThat(result.getString(1)).isEqualTo("still here");
        }
    }

    @Test
    void aDatabaseNameThatNeedsQuotingIsRefusedWithTheRule() {
        PostgresServer server = TestPostgres.server();

        assertThatThrownBy(() -> server.createDatabase("Bad-Name"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Bad-Name")
                .hasMessageContaining("a-z, 0-9 and _");
    }
}

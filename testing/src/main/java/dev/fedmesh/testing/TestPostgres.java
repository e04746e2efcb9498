package dev.fedmesh.testing;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The test JVM's one PostgreSQL, chosen by FEDMESH_TEST_POSTGRES_URL (+_USER, _PASSWORD) /
 * Testcontainers / embedded. Started on first use, stopped when the JVM exits.
 */
public final class TestPostgres {

    private static final String ADDRESS_VARIABLES = "FEDMESH_TEST_POSTGRES";

    private static final Logger LOG = LoggerFactory.getLogger(TestPostgres.class);

    private TestPostgres() {}

    public static PostgresServer server() {
        return Holder.SERVER;
    }

    /**
     * A fresh, empty database of its own for one test class: name derived from the class + a random
     * suffix ("t_outbox_relay_test_1a2b3c4d"). Each call creates another one.
     */
    public static TestDatabase newDatabase(Class<?> testClass) {
        PostgresServer server = server();
        String name = "t_" + TestNames.words(testClass, '_', 50) + "_" + TestNames.randomSuffix();
        return new TestDatabase(server.createDatabase(name), server.username(), server.password());
    }

    private static final class Holder {
        private static final PostgresServer SERVER = startOnce();
    }

    private static PostgresServer startOnce() {
        long started = System.nanoTime();
        PostgresServer server = choose();
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "test-postgres-stop"));
        LOG.info("Tests use {} (ready in {} ms)", server, (System.nanoTime() - started) / 1_000_000);
        return server;
    }

    private static PostgresServer choose() {
        String url = System.getenv(ADDRESS_VARIABLES + "_URL");
        if (url != null && !url.isBlank()) {
            return ExternalPostgres.fromJdbcUrl(
                    url.strip(), envOr(ADDRESS_VARIABLES + "_USER", "postgres"), envOr(ADDRESS_VARIABLES + "_PASSWORD", ""));
        }
        if (DockerEngine.answers()) {
            return ContainerPostgres.start();
        }
        return EmbeddedPostgres.start(null, 0);
    }

    private static String envOr(String name, String fallback) {
        String value = System.getenv(name);
        return value == null ? fallback : value;
    }
}

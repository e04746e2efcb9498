package dev.fedmesh.distributor.outbox;

import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;

/**
 * Waits for the outbox trigger's NOTIFY so a change is picked up the moment it commits. A lost
 * connection is re-opened on the next wait; the relay's polling covers any notification missed
 * meanwhile.
 */
final class OutboxListener implements AutoCloseable {
    static final String CHANNEL = "fedmesh_outbox";
    private static final Logger LOG = LoggerFactory.getLogger(OutboxListener.class);
    private final String jdbcUrl;
    private final Properties credentials;
    private Connection connection;
    private boolean warned;
    private volatile boolean closed;

    OutboxListener(String jdbcUrl, String username, String password) {
        this.jdbcUrl = jdbcUrl;
        this.credentials = new Properties();
        credentials.setProperty("user", username);
        credentials.setProperty("password", password);
        credentials.setProperty("ApplicationName", "fedmesh-distributor-listen");
        credentials.setProperty("tcpKeepAlive", "true");
    }

    /** Returns when a change was notified or {@code timeout} passed, whichever is first. */
    void await(Duration timeout) throws InterruptedException {
        if (closed) {
            return;
        }
        try {
            if (connection == null) {
                connection = DriverManager.getConnection(jdbcUrl, credentials);
                try (Statement statement = connection.createStatement()) {
                    statement.execute("LISTEN " + CHANNEL);
                }
                if (warned) {
                    LOG.info("Listening for outbox notifications again");
                    warned = false;
                }
            }
            PGNotification[] notifications = connection.unwrap(PGConnection.class)
                    .getNotifications((int) Math.max(1, timeout.toMillis()));
            if (notifications == null && Thread.interrupted()) {
                throw new InterruptedException();
            }
        } catch (SQLException e) {
            if (closed) {
                // close() shut the connection under this wait: the relay is stopping, nothing failed.
                return;
            }
            if (!warned) {
                LOG.warn("Cannot listen for outbox notifications ({}); polling every {} ms until PostgreSQL answers",
                        e.getMessage(), timeout.toMillis());
                warned = true;
            }
            closeQuietly();
            Thread.sleep(timeout.toMillis());
        }
    }

    private void closeQuietly() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // the connection is being discarded because it failed
            }
            connection = null;
        }
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly();
    }
}

package dev.fedmesh.distributor;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.fedmesh.distributor.outbox.OutboxRelay;
import dev.fedmesh.distributor.publish.DesiredConfigPublisher;
import org.jooq.SQLDialect;
import org.jooq.conf.Settings;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A running distributor: a connection pool, a Kafka publisher and the outbox relay thread. */
public final class ConfigDistributor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigDistributor.class);
    private final HikariDataSource dataSource;
    private final DesiredConfigPublisher publisher;
    private final OutboxRelay relay;
    private final Thread thread;

    private ConfigDistributor(DistributorSettings settings) {
        HikariConfig pool = new HikariConfig();
        pool.setJdbcUrl(settings.jdbcUrl());
        pool.setUsername(settings.dbUsername());
        pool.setPassword(settings.dbPassword());
        pool.setMaximumPoolSize(2);
        pool.setPoolName("fedmesh-distributor");
        // Each tenant is read in one snapshot, so its configs match one revision exactly.
        pool.setTransactionIsolation("TRANSACTION_REPEATABLE_READ");
        pool.setInitializationFailTimeout(-1);
        this.dataSource = new HikariDataSource(pool);
        this.publisher = new DesiredConfigPublisher(settings.kafkaBootstrapServers(), settings.topicPrefix(),
                settings.topicPartitions(), settings.topicReplicationFactor(), settings.signingKey());
        this.relay = new OutboxRelay(DSL.using(dataSource, SQLDialect.POSTGRES, new Settings().withExecuteLogging(false)),
                settings.jdbcUrl(), settings.dbUsername(), settings.dbPassword(), publisher, settings.pollInterval());
        this.thread = new Thread(relay, "fedmesh-outbox-relay");
    }

    /** Starts relaying; returns at once. */
    public static ConfigDistributor start(DistributorSettings settings) {
        ConfigDistributor distributor = new ConfigDistributor(settings);
        distributor.thread.start();
        LOG.info("Distributor started: {}", settings);
        return distributor;
    }

    @Override
    public void close() {
        relay.stop();
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        publisher.close();
        dataSource.close();
        LOG.info("Distributor stopped");
    }
}

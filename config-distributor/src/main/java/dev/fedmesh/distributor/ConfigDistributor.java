package dev.fedmesh.distributor;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.fedmesh.distributor.access.AgentAccess;
import dev.fedmesh.distributor.access.KafkaAgentAccess;
import dev.fedmesh.distributor.outbox.OutboxRelay;
import dev.fedmesh.distributor.publish.DesiredConfigPublisher;
import dev.fedmesh.distributor.status.ClusterStatusStore;
import dev.fedmesh.distributor.status.StatusIngester;
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
    private final StatusIngester statusIngester;
    private final Thread statusThread;

    private ConfigDistributor(DistributorSettings settings) {
        HikariConfig pool = new HikariConfig();
        pool.setJdbcUrl(settings.jdbcUrl());
        pool.setUsername(settings.dbUsername());
        pool.setPassword(settings.dbPassword());
        // One connection for the relay, one for status ingestion, one spare.
        pool.setMaximumPoolSize(3);
        pool.setPoolName("fedmesh-distributor");
        // Each tenant is read in one snapshot, so its configs match one revision exactly.
        pool.setTransactionIsolation("TRANSACTION_REPEATABLE_READ");
        pool.setInitializationFailTimeout(-1);
        this.dataSource = new HikariDataSource(pool);
        this.publisher = new DesiredConfigPublisher(settings.kafkaBootstrapServers(), settings.kafkaSecurity(),
                settings.topicPrefix(), settings.topicPartitions(), settings.topicReplicationFactor(), settings.signingKey(),
                settings.provisionsAgentAccess() ? KafkaAgentAccess.connect(settings.kafkaBootstrapServers(),
                        settings.kafkaSecurity(), settings.topicPrefix(), settings.agentCredentials()) : AgentAccess.NONE);
        this.relay = new OutboxRelay(DSL.using(dataSource, SQLDialect.POSTGRES, new Settings().withExecuteLogging(false)),
                settings.jdbcUrl(), settings.dbUsername(), settings.dbPassword(), publisher, settings.pollInterval());
        this.thread = new Thread(relay, "fedmesh-outbox-relay");
        this.statusIngester = new StatusIngester(settings.kafkaBootstrapServers(), settings.kafkaSecurity(),
                settings.topicPrefix(),
                new ClusterStatusStore(DSL.using(dataSource, SQLDialect.POSTGRES, new Settings().withExecuteLogging(false))));
        this.statusThread = new Thread(statusIngester, "fedmesh-status-ingester");
    }

    /** Starts relaying; returns at once. */
    public static ConfigDistributor start(DistributorSettings settings) {
        ConfigDistributor distributor = new ConfigDistributor(settings);
        distributor.thread.start();
        distributor.statusThread.start();
        LOG.info("Distributor started: {}", settings);
        return distributor;
    }

    @Override
    public void close() {
        relay.stop();
        statusIngester.stop();
        thread.interrupt();
        try {
            thread.join(10_000);
            statusThread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        publisher.close();
        dataSource.close();
        LOG.info("Distributor stopped");
    }
}

package dev.fedmesh.distributor;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.fedmesh.distributor.access.AgentAccess;
import dev.fedmesh.distributor.access.KafkaAgentAccess;
import dev.fedmesh.distributor.outbox.OutboxRelay;
import dev.fedmesh.distributor.publish.DesiredConfigPublisher;
import dev.fedmesh.distributor.state.TenantStateReader;
import dev.fedmesh.distributor.status.ClusterStatusStore;
import dev.fedmesh.distributor.status.StatusIngester;
import dev.fedmesh.distributor.trust.IntermediateRequestHandler;
import dev.fedmesh.distributor.trust.IntermediateRequests;
import dev.fedmesh.distributor.trust.TrustRootRecords;
import dev.fedmesh.distributor.trust.TrustRoots;
import dev.fedmesh.distributor.trust.TrustSettings;
import dev.fedmesh.trust.ca.CertificateAuthority;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.conf.Settings;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.Optional;

/** A running distributor: a connection pool, a Kafka publisher and the outbox relay thread. */
public final class ConfigDistributor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigDistributor.class);
    private final HikariDataSource dataSource;
    private final DesiredConfigPublisher publisher;
    private final OutboxRelay relay;
    private final Thread thread;
    private final StatusIngester statusIngester;
    private final Thread statusThread;

    private ConfigDistributor(DistributorSettings settings, Optional<TrustSettings> trust) {
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
        Optional<CertificateAuthority> ca = trust.map(given -> given.openCa(Clock.systemUTC()));
        this.relay = new OutboxRelay(DSL.using(dataSource, SQLDialect.POSTGRES, new Settings().withExecuteLogging(false)),
                settings.jdbcUrl(), settings.dbUsername(), settings.dbPassword(), publisher, settings.pollInterval(),
                ca.map(given -> new TrustRoots(given, new TrustRootRecords(DSL.using(dataSource, SQLDialect.POSTGRES, new Settings().withExecuteLogging(false))))).map(TenantStateReader::new).orElseGet(TenantStateReader::new));
        this.thread = new Thread(relay, "fedmesh-outbox-relay");
        this.statusIngester = new StatusIngester(settings.kafkaBootstrapServers(), settings.kafkaSecurity(),
                settings.topicPrefix(),
                new ClusterStatusStore(DSL.using(dataSource, SQLDialect.POSTGRES, new Settings().withExecuteLogging(false))))
                .answeringIntermediateRequestsWith(intermediateRequests(trust, ca));
        this.statusThread = new Thread(statusIngester, "fedmesh-status-ingester");
    }

    private IntermediateRequestHandler intermediateRequests(Optional<TrustSettings> trust, Optional<CertificateAuthority> ca) {
        if (trust.isEmpty()) {
            return IntermediateRequestHandler.NONE;
        }
        DSLContext dsl = DSL.using(dataSource, SQLDialect.POSTGRES, new Settings().withExecuteLogging(false));
        return new IntermediateRequests(dsl, ca.orElseThrow(), trust.get().terms(), trust.get().bootstrapCredentialLifetime(),
                Clock.systemUTC());
    }

    /**
     * Starts relaying without workload identity: configs carry the tenant's trust domain and issued
     * intermediates but no roots, and agents' intermediate requests go unanswered. Returns at once.
     */
    public static ConfigDistributor start(DistributorSettings settings) {
        return start(settings, Optional.empty());
    }

    /** Starts relaying, issuing intermediates and sending roots as {@code trust} says; returns at once. */
    public static ConfigDistributor start(DistributorSettings settings, TrustSettings trust) {
        return start(settings, Optional.of(trust));
    }

    private static ConfigDistributor start(DistributorSettings settings, Optional<TrustSettings> trust) {
        ConfigDistributor distributor = new ConfigDistributor(settings, trust);
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

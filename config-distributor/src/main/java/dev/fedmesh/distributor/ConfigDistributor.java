package dev.fedmesh.distributor;

import com.zaxxer.hikari.HikariDataSource;
import dev.fedmesh.distributor.access.AgentAccess;
import dev.fedmesh.distributor.access.AgentAccessSweep;
import dev.fedmesh.distributor.access.KafkaAgentAccess;
import dev.fedmesh.distributor.inventory.InventoryIngester;
import dev.fedmesh.distributor.inventory.InventoryTopicWriter;
import dev.fedmesh.distributor.outbox.OutboxRelay;
import dev.fedmesh.distributor.publish.DesiredConfigPublisher;
import dev.fedmesh.distributor.state.TenantStateReader;
import dev.fedmesh.distributor.status.StatusIngester;
import dev.fedmesh.distributor.trust.IntermediateRequestHandler;
import dev.fedmesh.distributor.trust.IntermediateRequests;
import dev.fedmesh.distributor.trust.RootRotations;
import dev.fedmesh.distributor.trust.TrustRootRecords;
import dev.fedmesh.distributor.trust.TrustRoots;
import dev.fedmesh.distributor.trust.TrustSettings;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.conf.Settings;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A running distributor: a connection pool, a Kafka publisher, the outbox relay thread, status
 * and inventory ingestion and, with workload identity, the root rotation driver.
 */
public final class ConfigDistributor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigDistributor.class);
    /** How often open root rotations are looked at: their stages wait on agents' reports, seconds apart. */
    private static final Duration ROTATION_PASS = Duration.ofSeconds(1);
    private final HikariDataSource dataSource;
    private final DesiredConfigPublisher publisher;
    private final OutboxRelay relay;
    private final Thread thread;
    private final StatusIngester statusIngester;
    private final InventoryIngester inventoryIngester;
    private final Thread statusThread;
    private final Optional<RootRotations> rotations;
    private final ScheduledExecutorService rotationDriver;
    private final Optional<AgentAccessSweep> accessSweep;
    private final Duration accessSweepInterval;
    private final ScheduledExecutorService accessSweeper;

    private ConfigDistributor(DistributorSettings settings, Optional<TrustSettings> trust) {
        this.dataSource = DistributorPool.open(settings, DistributorPool.SIZE);
        DSLContext dsl = DSL.using(dataSource, SQLDialect.POSTGRES, new Settings().withExecuteLogging(false));
        Optional<KafkaAgentAccess> agentAccess = settings.provisionsAgentAccess()
                ? Optional.of(KafkaAgentAccess.connect(settings.kafkaBootstrapServers(), settings.kafkaSecurity(),
                        settings.topicPrefix(), dsl))
                : Optional.empty();
        this.publisher = new DesiredConfigPublisher(settings.kafkaBootstrapServers(), settings.kafkaSecurity(),
                settings.topicPrefix(), settings.topicPartitions(), settings.topicReplicationFactor(), settings.signingKey(),
                agentAccess.<AgentAccess>map(access -> access).orElse(AgentAccess.NONE), settings.maxRecordBytes());
        this.accessSweep = agentAccess.map(access -> new AgentAccessSweep(dsl, access, publisher.topics()));
        this.accessSweepInterval = settings.agentAccessSweep();
        this.accessSweeper = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread sweeper = new Thread(runnable, "fedmesh-agent-access-sweep");
            sweeper.setDaemon(true);
            return sweeper;
        });
        Optional<TrustRoots> roots = trust.map(given -> new TrustRoots(given.openCa(Clock.systemUTC()), new TrustRootRecords(dsl)));
        this.relay = new OutboxRelay(dsl, settings.jdbcUrl(), settings.dbUsername(), settings.dbPassword(), publisher,
                settings.pollInterval(), roots.map(TenantStateReader::new).orElseGet(TenantStateReader::new));
        this.thread = new Thread(relay, "fedmesh-outbox-relay");
        this.inventoryIngester = new InventoryIngester(dsl, new InventoryTopicWriter(settings.kafkaBootstrapServers(),
                settings.kafkaSecurity(), settings.topicPrefix(), settings.signingKey(), settings.maxRecordBytes()),
                publisher.topics());
        this.statusIngester = new StatusIngester(settings.kafkaBootstrapServers(), settings.kafkaSecurity(),
                settings.topicPrefix(), dsl)
                .handingInventoriesTo(inventoryIngester)
                .answeringIntermediateRequestsWith(roots.<IntermediateRequestHandler>map(known -> new IntermediateRequests(
                        dsl, known, trust.get().terms(), trust.get().bootstrapCredentialLifetime(), Clock.systemUTC()))
                        .orElse(IntermediateRequestHandler.NONE));
        this.statusThread = new Thread(statusIngester, "fedmesh-status-ingester");
        this.rotations = roots.map(known -> new RootRotations(dsl, known, trust.get().rotationSettle()));
        this.rotationDriver = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread driver = new Thread(runnable, "fedmesh-root-rotations");
            driver.setDaemon(true);
            return driver;
        });
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
        distributor.rotations.ifPresent(rotations -> distributor.rotationDriver.scheduleWithFixedDelay(() -> {
            try {
                rotations.advance();
            } catch (RuntimeException e) {
                LOG.warn("root rotations could not be looked at ({}); looking again in {}", e.toString(), ROTATION_PASS);
            }
        }, 0, ROTATION_PASS.toMillis(), TimeUnit.MILLISECONDS));
        distributor.accessSweep.ifPresent(sweep -> distributor.accessSweeper.scheduleWithFixedDelay(() -> {
            try {
                sweep.sweep();
            } catch (RuntimeException e) {
                LOG.warn("agents' Kafka access could not be compared with the tenants ({}); comparing again in {}",
                        e.getMessage(), distributor.accessSweepInterval);
            }
        }, distributor.accessSweepInterval.toMillis(), distributor.accessSweepInterval.toMillis(), TimeUnit.MILLISECONDS));
        LOG.info("Distributor started: {}", settings);
        return distributor;
    }

    @Override
    public void close() {
        rotationDriver.shutdownNow();
        accessSweeper.shutdownNow();
        relay.stop();
        statusIngester.stop();
        thread.interrupt();
        try {
            thread.join(10_000);
            statusThread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        inventoryIngester.close();
        publisher.close();
        dataSource.close();
        LOG.info("Distributor stopped");
    }
}

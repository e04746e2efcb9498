package dev.fedmesh.standalone;

import dev.fedmesh.api.KafkaClientSecurity;
import dev.fedmesh.distributor.DistributorSettings;
import dev.fedmesh.testing.TestDatabase;
import dev.fedmesh.testing.TestKafka;
import dev.fedmesh.testing.TestPostgres;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.UUID;

/**
 * One test's whole fedmesh stack (control-api, the distributor with the built-in CA, agents on
 * demand) on a database of its own and the test JVM's Kafka, an API client with the admin token,
 * and whatever else the test starts beside it; {@link #close} stops it all in reverse order.
 */
final class StackUnderTest implements AutoCloseable {

    final TestDatabase database;
    final FedmeshStack stack;
    final ApiClient api;
    private final Deque<AutoCloseable> running = new ArrayDeque<>();

    private StackUnderTest(TestDatabase database, FedmeshStack stack, ApiClient api) {
        this.database = database;
        this.stack = stack;
        this.api = api;
        running.push(stack);
    }

    /** A stack for {@code test}, keeping its state (agents, CA) under {@code state}. */
    static StackUnderTest start(Class<?> test, Path state) {
        return start(test, state, dev.fedmesh.distributor.trust.TrustSettings.DEFAULT_ROTATION_SETTLE);
    }

    /** As {@link #start(Class, Path)}, with root rotations waiting {@code rotationSettle} between stages. */
    static StackUnderTest start(Class<?> test, Path state, Duration rotationSettle) {
        return start(test, state, rotationSettle, TestKafka.broker().bootstrapServers(), KafkaClientSecurity.plaintext(),
                DistributorSettings.DEFAULT_AGENT_ACCESS_SWEEP);
    }

    /**
     * A stack on the broker at {@code kafka}, whose distributor logs in as {@code distributor} (a
     * super user, for SASL), provisions each cluster's agent, and sweeps agents' access every
     * {@code accessSweep}.
     */
    static StackUnderTest start(Class<?> test, Path state, Duration rotationSettle, String kafka,
                                KafkaClientSecurity distributor, Duration accessSweep) {
        TestDatabase database = TestPostgres.newDatabase(test);
        String token = test.getSimpleName() + "-" + UUID.randomUUID();
        FedmeshStack stack = FedmeshStack.start(new FedmeshStack.Options(database.jdbcUrl(), database.username(),
                database.password(), kafka, TestKafka.topicPrefix(test), token, 0, 0, state, rotationSettle, distributor,
                accessSweep));
        return new StackUnderTest(database, stack, new ApiClient(stack.apiUrl(), token));
    }

    /** Stops {@code started} with the stack, before what was started earlier. */
    void stopAtEnd(AutoCloseable started) {
        running.push(started);
    }

    @Override
    public void close() throws Exception {
        while (!running.isEmpty()) {
            running.pop().close();
        }
    }
}

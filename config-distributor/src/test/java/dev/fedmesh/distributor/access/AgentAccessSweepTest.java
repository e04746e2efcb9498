package dev.fedmesh.distributor.access;

import dev.fedmesh.api.KafkaClientSecurity;
import dev.fedmesh.api.KafkaTopics;
import dev.fedmesh.db.TenantNameLock;
import dev.fedmesh.db.Migrations;
import dev.fedmesh.distributor.ConfigDistributor;
import dev.fedmesh.distributor.DistributorSettings;
import dev.fedmesh.distributor.publish.TenantTopics;
import dev.fedmesh.testing.EmbeddedKafka;
import dev.fedmesh.testing.TestDatabase;
import dev.fedmesh.testing.TestPostgres;
import dev.fedmesh.trust.credential.ClusterCredentialKeys;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.fedmesh.db.jooq.Tables.CLUSTERS;
import static dev.fedmesh.db.jooq.Tables.OUTBOX;
import static dev.fedmesh.db.jooq.Tables.TENANTS;
import static dev.fedmesh.distributor.access.SecuredBroker.PATIENCE;
import static dev.fedmesh.distributor.access.SecuredBroker.PREFIX;
import static dev.fedmesh.distributor.access.SecuredBroker.SUPER;
import static dev.fedmesh.distributor.access.SecuredBroker.agent;
import static dev.fedmesh.distributor.access.SecuredBroker.awaitPublished;
import static dev.fedmesh.distributor.access.SecuredBroker.commitTenant;
import static dev.fedmesh.distributor.access.SecuredBroker.credential;
import static dev.fedmesh.distributor.access.SecuredBroker.username;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sweep against a broker that authenticates with SCRAM and authorizes with ACLs, and real
 * PostgreSQL: a deleted tenant's agents lose their access and its topics go, every existing
 * tenant's current agents keep theirs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AgentAccessSweepTest {
    private EmbeddedKafka kafka;
    private TestDatabase database;
    private DSLContext db;
    private Admin admin;
    private ConfigDistributor distributor;
    private KafkaAgentAccess access;
    private TenantTopics topics;
    private AgentAccessSweep sweep;

    @BeforeAll
    void start() {
        kafka = SecuredBroker.start();
        database = TestPostgres.newDatabase(getClass());
        Migrations.apply(database.dataSource());
        db = DSL.using(database.dataSource(), SQLDialect.POSTGRES);
        Properties config = new Properties();
        config.put("bootstrap.servers", kafka.bootstrapServers());
        SUPER.applyTo(config);
        admin = Admin.create(config);
        // Its own sweep waits an hour: the tests below sweep when they choose, as a second distributor would.
        distributor = ConfigDistributor.start(settings().withAgentAccessSweep(Duration.ofHours(1)));
        access = KafkaAgentAccess.connect(kafka.bootstrapServers(), SUPER, PREFIX, db);
        topics = new TenantTopics(admin, PREFIX, 1, (short) 1);
        sweep = new AgentAccessSweep(db, access, topics);
    }

    @AfterAll
    void stop() {
        access.close();
        distributor.close();
        admin.close();
        kafka.close();
    }

    @Test
    void aDeletedTenantsAgentsCanNoLongerLogInWhileAnotherTenantsAgentStillReadsItsConfig() throws Exception {
        UUID doomed = commitTenant(db, "doomed", List.of("east", "west"), true);
        commitTenant(db, "kept", List.of("east"), true);
        awaitPublished(db, doomed);
        awaitPublishedByName("kept");
        awaitLogIn("doomed", "east", true);

        deleteTenant("doomed");
        AgentAccessSweep.Outcome outcome = sweep.sweep();

        assertThat(outcome.removedAgents()).contains(username("doomed", "east"), username("doomed", "west"))
                .noneMatch(user -> user.contains(".kept."));
        assertThat(outcome.deletedTopicsOf()).contains("doomed").doesNotContain("kept");
        awaitLogIn("doomed", "east", false);
        awaitLogIn("doomed", "west", false);
        assertThat(aclPrincipals()).noneMatch(principal -> principal.startsWith("User:" + PREFIX + "-agent.doomed."));
        assertThat(topicNames()).doesNotContain(KafkaTopics.desired(PREFIX, "doomed"), KafkaTopics.status(PREFIX, "doomed"))
                .contains(KafkaTopics.desired(PREFIX, "kept"), KafkaTopics.status(PREFIX, "kept"));
        assertThat(recordsReadBy("kept", "east")).as("records kept's east agent reads").isPositive();
    }

    @Test
    void aDeletedTenantWithoutClustersHasItsTopicsDeletedToo() throws Exception {
        UUID bare = commitTenant(db, "bare", List.of(), true);
        awaitPublished(db, bare);
        assertThat(topicNames()).contains(KafkaTopics.desired(PREFIX, "bare"));

        deleteTenant("bare");
        AgentAccessSweep.Outcome outcome = sweep.sweep();

        assertThat(outcome.deletedTopicsOf()).contains("bare");
        assertThat(topicNames()).doesNotContain(KafkaTopics.desired(PREFIX, "bare"), KafkaTopics.status(PREFIX, "bare"));
        assertThat(sweep.sweep().deletedTopicsOf()).as("a second sweep").doesNotContain("bare");
    }

    @Test
    void aTenantCreatedAgainAfterItsTopicsWereDeletedGetsNewCompactedOnesFromTheDistributorThatHadTheOld()
            throws Exception {
        UUID first = commitTenant(db, "renamed-back", List.of("east"), true);
        awaitPublished(db, first);
        String desired = KafkaTopics.desired(PREFIX, "renamed-back");
        int partitions = admin.describeTopics(List.of(desired)).allTopicNames().get(30, TimeUnit.SECONDS)
                .get(desired).partitions().size();
        deleteTenant("renamed-back");
        sweep.sweep();
        assertThat(topicNames()).doesNotContain(desired);

        // The running distributor published the first tenant of this name and made its topics.
        UUID second = commitTenant(db, "renamed-back", List.of("east"), true);
        awaitPublished(db, second);

        assertThat(admin.describeTopics(List.of(desired)).allTopicNames().get(30, TimeUnit.SECONDS).get(desired)
                .partitions()).hasSize(partitions);
        for (String topic : List.of(desired, KafkaTopics.status(PREFIX, "renamed-back"))) {
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            assertThat(admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource)
                    .get(TopicConfig.CLEANUP_POLICY_CONFIG).value()).as(topic).isEqualTo(TopicConfig.CLEANUP_POLICY_COMPACT);
        }
        long records = 0;
        for (int partition = 0; partition < partitions; partition++) {
            TopicPartition topicPartition = new TopicPartition(desired, partition);
            records += admin.listOffsets(Map.of(topicPartition, OffsetSpec.latest())).partitionResult(topicPartition)
                    .get(30, TimeUnit.SECONDS).offset();
        }
        assertThat(records).as("records on the new " + desired).isPositive();
    }

    @Test
    void sweepingAgainChangesNothing() throws Exception {
        UUID once = commitTenant(db, "swept-once", List.of("east"), true);
        commitTenant(db, "stays", List.of("east", "west"), true);
        awaitPublished(db, once);
        awaitPublishedByName("stays");
        deleteTenant("swept-once");
        sweep.sweep();
        List<String> principalsAfterFirst = aclPrincipals();
        int outboxRows = db.fetchCount(OUTBOX);

        AgentAccessSweep.Outcome second = sweep.sweep();
        AgentAccessSweep.Outcome third = sweep.sweep();

        assertThat(second.removedAgents()).isEmpty();
        assertThat(second.deletedTopicsOf()).isEmpty();
        assertThat(third.removedAgents()).isEmpty();
        assertThat(third.deletedTopicsOf()).isEmpty();
        assertThat(second.requeued()).isEmpty();
        assertThat(aclPrincipals()).isEqualTo(principalsAfterFirst)
                .contains("User:" + username("stays", "east"), "User:" + username("stays", "west"));
        assertThat(db.fetchCount(OUTBOX)).as("outbox rows").isEqualTo(outboxRows);
        assertThat(recordsReadBy("stays", "west")).isPositive();
    }

    @Test
    void twoDistributorsSweepingAtOnceBothSucceedAndOnlyTheDeletedTenantLosesAccess() throws Exception {
        UUID deleted = commitTenant(db, "twice-swept", List.of("east", "west"), true);
        UUID other = commitTenant(db, "neighbour", List.of("east"), true);
        awaitPublished(db, deleted);
        awaitPublished(db, other);
        deleteTenant("twice-swept");

        try (KafkaAgentAccess second = KafkaAgentAccess.connect(kafka.bootstrapServers(), SUPER, PREFIX, db)) {
            CompletableFuture<AgentAccessSweep.Outcome> one = CompletableFuture.supplyAsync(sweep::sweep);
            CompletableFuture<AgentAccessSweep.Outcome> two =
                    CompletableFuture.supplyAsync(() -> new AgentAccessSweep(db, second, topics).sweep());

            assertThat(List.of(one.get(60, TimeUnit.SECONDS), two.get(60, TimeUnit.SECONDS)))
                    .anyMatch(outcome -> outcome.deletedTopicsOf().contains("twice-swept"))
                    .allMatch(outcome -> outcome.removedAgents().stream().noneMatch(user -> user.contains(".neighbour.")));
        }
        awaitLogIn("twice-swept", "east", false);
        awaitLogIn("twice-swept", "west", false);
        assertThat(aclPrincipals()).noneMatch(principal -> principal.startsWith("User:" + PREFIX + "-agent.twice-swept."));
        assertThat(recordsReadBy("neighbour", "east")).isPositive();
    }

    @Test
    void aTenantCreatedUnderADeletedNameWhileTheSweepWaitsForThatNameKeepsItsTopicsAndAccess() throws Exception {
        UUID before = commitTenant(db, "reborn", List.of("east"), true);
        awaitPublished(db, before);
        deleteTenant("reborn");

        // A tenant of the same name is being created, holding the name's lock as control-api does,
        // while the sweep starts: the sweep waits for the name, and reads again once the creation committed.
        UUID again;
        try (Connection creating = database.dataSource().getConnection()) {
            creating.setAutoCommit(false);
            DSLContext tx = DSL.using(creating, SQLDialect.POSTGRES);
            TenantNameLock.acquire(tx, "reborn");
            CompletableFuture<AgentAccessSweep.Outcome> sweeping = CompletableFuture.supplyAsync(sweep::sweep);
            awaitSweepWaitingForATenantName(sweeping);
            again = commitTenantIn(tx, "reborn");
            creating.commit();

            AgentAccessSweep.Outcome outcome = sweeping.get(60, TimeUnit.SECONDS);
            assertThat(outcome.deletedTopicsOf()).doesNotContain("reborn");
        }
        assertThat(topicNames()).contains(KafkaTopics.desired(PREFIX, "reborn"), KafkaTopics.status(PREFIX, "reborn"));
        awaitPublished(db, again);
        awaitLogIn("reborn", "east", true);
    }

    @Test
    void aTenantCreatedAgainHasNewAgentsEvenWithADistributorThatRememberedTheOldOnes() throws Exception {
        UUID first = commitTenant(db, "again", List.of("east"), false);
        try (KafkaAgentAccess remembering = KafkaAgentAccess.connect(kafka.bootstrapServers(), SUPER, PREFIX, db)) {
            remembering.provision(first, "again", Set.of("east"));
            awaitLogIn("again", "east", true);
            String oldUser = username("again", "east");
            String old = credential("again", "east");
            deleteTenant("again");
            sweep.sweep();
            awaitLogIn(SecuredBroker.agentHolding("again", "east", old), false);

            UUID second = commitTenant(db, "again", List.of("east"), false);
            remembering.provision(second, "again", Set.of("east"));

            assertThat(aclPrincipals()).contains("User:" + username("again", "east")).doesNotContain("User:" + oldUser);
            awaitLogIn("again", "east", true);
            awaitLogIn(SecuredBroker.agentHolding("again", "east", old), false);
        }
    }

    @Test
    void anAclRemovedByHandIsProvisionedAgainThroughTheOutbox() throws Exception {
        UUID tenant = commitTenant(db, "tampered", List.of("east"), true);
        awaitPublished(db, tenant);
        admin.deleteAcls(List.of(AgentAcls.allOf("User:" + username("tampered", "east")))).all().get(30, TimeUnit.SECONDS);
        // The brokers apply the removal moments after the controller commits it.
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (aclPrincipals().contains("User:" + username("tampered", "east"))) {
            assertThat(System.nanoTime()).as("the ACLs removed by hand are gone").isLessThan(deadline);
        }

        AgentAccessSweep.Outcome outcome = sweep.sweep();

        assertThat(outcome.requeued()).contains("tampered");
        assertThat(db.fetchCount(OUTBOX, OUTBOX.TENANT_ID.eq(tenant).and(OUTBOX.PUBLISHED_AT.isNull())))
                .as("a publish queued, or already taken").isLessThanOrEqualTo(1);
        // The sweep forgot the tenant in its distributor's memory: that distributor's next publish provisions it again.
        access.provision(tenant, "tampered", Set.of("east"));
        assertThat(recordsReadBy("tampered", "east")).isPositive();
    }

    @Test
    void aRunningDistributorRemovesADeletedTenantsAccessByItself() throws Exception {
        UUID tenant = commitTenant(db, "left", List.of("east"), true);
        try (ConfigDistributor sweeping = ConfigDistributor.start(settings().withAgentAccessSweep(Duration.ofMillis(200)))) {
            awaitPublished(db, tenant);
            awaitLogIn("left", "east", true);

            deleteTenant("left");

            awaitLogIn("left", "east", false);
        }
        assertThat(aclPrincipals()).doesNotContain("User:" + username("left", "east"));
    }

    private DistributorSettings settings() {
        return DistributorSettings.local(database.jdbcUrl(), database.username(), database.password(),
                kafka.bootstrapServers(), PREFIX).withKafkaSecurity(SUPER);
    }

    /** What control-api's tenant deletion does: one DELETE, the rest goes by cascade, outbox rows too. */
    private void deleteTenant(String name) {
        assertThat(db.deleteFrom(TENANTS).where(TENANTS.NAME.eq(name)).execute()).as("tenants deleted").isEqualTo(1);
    }

    private UUID tenantId(String name) {
        return db.select(TENANTS.ID).from(TENANTS).where(TENANTS.NAME.eq(name)).fetchSingle(TENANTS.ID);
    }

    private void awaitPublishedByName(String name) {
        awaitPublished(db, tenantId(name));
    }

    private void awaitSweepWaitingForATenantName(CompletableFuture<?> sweeping) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (db.fetchCount(DSL.table("pg_locks"), DSL.field("locktype").eq("advisory")
                .and(DSL.field("granted").eq(false))) == 0) {
            assertThat(sweeping).as("the sweep is still running").isNotDone();
            assertThat(System.nanoTime()).as("the sweep waits for the tenant name").isLessThan(deadline);
        }
    }

    /** A tenant of {@code name} with cluster east and a new credential, queued for publishing, in {@code tx}. */
    private static UUID commitTenantIn(DSLContext tx, String name) {
        UUID tenant = UUID.randomUUID();
        tx.insertInto(TENANTS).set(TENANTS.ID, tenant).set(TENANTS.NAME, name).set(TENANTS.REVISION, 1L).execute();
        tx.insertInto(CLUSTERS).set(CLUSTERS.TENANT_ID, tenant).set(CLUSTERS.NAME, "east")
                .set(CLUSTERS.RESOURCE_VERSION, 1L)
                .set(CLUSTERS.BOOTSTRAP_SECRET_SHA256, ClusterCredentialKeys.sha256Of(SecuredBroker.newCredential(name, "east")))
                .execute();
        tx.insertInto(OUTBOX).set(OUTBOX.TENANT_ID, tenant).set(OUTBOX.REVISION, 1L).execute();
        return tenant;
    }

    private Set<String> topicNames() throws Exception {
        return admin.listTopics().names().get(30, TimeUnit.SECONDS);
    }

    private List<String> aclPrincipals() throws Exception {
        List<AclBinding> bindings = List.copyOf(admin.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS));
        return bindings.stream().map(binding -> binding.entry().principal()).distinct().sorted().toList();
    }

    /** The broker applies credential changes moments after the controller commits them. */
    private void awaitLogIn(String tenant, String cluster, boolean expected) {
        awaitLogIn(agent(tenant, cluster), expected);
    }

    private void awaitLogIn(KafkaClientSecurity login, boolean expected) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (canLogIn(login) != expected) {
            assertThat(System.nanoTime()).as(login.username() + " can log in: " + expected).isLessThan(deadline);
        }
    }

    private boolean canLogIn(KafkaClientSecurity login) {
        try (KafkaConsumer<byte[], byte[]> consumer = consumerOf(login)) {
            consumer.listTopics(Duration.ofSeconds(30));
            return true;
        } catch (SaslAuthenticationException e) {
            return false;
        }
    }

    /** Reads the tenant's desired topic from the beginning as the agent of {@code cluster}, until a record comes. */
    private int recordsReadBy(String tenant, String cluster) {
        String topic = KafkaTopics.desired(PREFIX, tenant);
        try (KafkaConsumer<byte[], byte[]> consumer = consumerOf(agent(tenant, cluster))) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map((PartitionInfo info) -> new TopicPartition(topic, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            int records = 0;
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (records == 0 && System.nanoTime() < deadline) {
                records += consumer.poll(Duration.ofMillis(200)).count();
            }
            return records;
        }
    }

    private KafkaConsumer<byte[], byte[]> consumerOf(KafkaClientSecurity login) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "20000");
        login.applyTo(config);
        return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}

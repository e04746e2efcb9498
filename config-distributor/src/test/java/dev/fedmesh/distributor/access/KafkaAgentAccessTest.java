package dev.fedmesh.distributor.access;

import dev.fedmesh.api.KafkaClientSecurity;
import dev.fedmesh.db.Migrations;
import dev.fedmesh.testing.EmbeddedKafka;
import dev.fedmesh.testing.TestDatabase;
import dev.fedmesh.testing.TestPostgres;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialDeletion;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static dev.fedmesh.distributor.access.SecuredBroker.PREFIX;
import static dev.fedmesh.distributor.access.SecuredBroker.SUPER;
import static dev.fedmesh.distributor.access.SecuredBroker.agent;
import static dev.fedmesh.distributor.access.SecuredBroker.agentHolding;
import static dev.fedmesh.distributor.access.SecuredBroker.commitTenant;
import static dev.fedmesh.distributor.access.SecuredBroker.credential;
import static dev.fedmesh.distributor.access.SecuredBroker.reissue;
import static dev.fedmesh.distributor.access.SecuredBroker.username;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Provisioning against a real broker with ACLs and the clusters' credentials in real PostgreSQL:
 * what is remembered, what is redone after a restart, and what a re-issued credential takes away.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KafkaAgentAccessTest {
    private EmbeddedKafka kafka;
    private Admin admin;
    private DSLContext db;

    @BeforeAll
    void startBroker() {
        kafka = SecuredBroker.start();
        Properties config = new Properties();
        config.put("bootstrap.servers", kafka.bootstrapServers());
        SUPER.applyTo(config);
        admin = Admin.create(config);
        TestDatabase database = TestPostgres.newDatabase(getClass());
        Migrations.apply(database.dataSource());
        db = DSL.using(database.dataSource(), SQLDialect.POSTGRES);
    }

    @AfterAll
    void stopBroker() {
        admin.close();
        kafka.close();
    }

    @Test
    void aTenantWhoseAgentsDidNotChangeIsNotProvisionedAgain() throws Exception {
        UUID steady = commitTenant(db, "steady", List.of("east"), false);
        UUID barrier = commitTenant(db, "barrier", List.of("east"), false);
        try (KafkaAgentAccess access = connect()) {
            access.provision(steady, "steady", Set.of("east"));
            awaitLogIn(agent("steady", "east"), true);
            removeCredentialByHand(username("steady", "east"));
            awaitLogIn(agent("steady", "east"), false);

            access.provision(steady, "steady", Set.of("east"));
            // The broker applies metadata in order: once this later change shows, an earlier one would too.
            access.provision(barrier, "barrier", Set.of("east"));
            awaitLogIn(agent("barrier", "east"), true);

            assertThat(canLogIn(agent("steady", "east"))).as("no Kafka call for an unchanged tenant").isFalse();
        }
    }

    @Test
    void afterARestartEveryAgentIsProvisionedAgainAndOnesDeletedMeanwhileAreRemoved() throws Exception {
        UUID restarted = commitTenant(db, "restarted", List.of("east", "west"), false);
        try (KafkaAgentAccess before = connect()) {
            before.provision(restarted, "restarted", Set.of("east", "west"));
        }
        removeCredentialByHand(username("restarted", "east"));

        try (KafkaAgentAccess after = connect()) {
            after.provision(restarted, "restarted", Set.of("east"));
        }

        awaitLogIn(agent("restarted", "east"), true);
        awaitLogIn(agent("restarted", "west"), false);
        assertThat(aclPrincipals("restarted")).containsExactly("User:" + username("restarted", "east"));
    }

    @Test
    void addingAClusterProvisionsItAndRemovingOneTakesItsAccessAway() throws Exception {
        UUID growing = commitTenant(db, "growing", List.of("east", "west"), false);
        try (KafkaAgentAccess access = connect()) {
            access.provision(growing, "growing", Set.of("east"));
            access.provision(growing, "growing", Set.of("east", "west"));
            awaitLogIn(agent("growing", "west"), true);

            access.provision(growing, "growing", Set.of("west"));

            awaitLogIn(agent("growing", "east"), false);
            awaitLogIn(agent("growing", "west"), true);
            assertThat(aclPrincipals("growing")).containsExactly("User:" + username("growing", "west"));
        }
    }

    @Test
    void aReissuedCredentialIsANewUserAndTheOldOneLosesItsAccess() throws Exception {
        UUID tenant = commitTenant(db, "rotated", List.of("east"), false);
        String old = credential("rotated", "east");
        try (KafkaAgentAccess access = connect()) {
            access.provision(tenant, "rotated", Set.of("east"));
            awaitLogIn(agent("rotated", "east"), true);

            reissue(db, tenant, "rotated", "east");
            access.provision(tenant, "rotated", Set.of("east"));

            awaitLogIn(agentHolding("rotated", "east", old), false);
            awaitLogIn(agent("rotated", "east"), true);
            assertThat(aclPrincipals("rotated")).containsExactly("User:" + username("rotated", "east"));
        }
    }

    @Test
    void aClusterWithoutACredentialGetsNoAgent() throws Exception {
        UUID tenant = commitTenant(db, "unbadged", List.of("east"), false);
        db.update(dev.fedmesh.db.jooq.Tables.CLUSTERS).setNull(dev.fedmesh.db.jooq.Tables.CLUSTERS.BOOTSTRAP_SECRET_SHA256)
                .where(dev.fedmesh.db.jooq.Tables.CLUSTERS.TENANT_ID.eq(tenant)).execute();
        try (KafkaAgentAccess access = connect()) {
            access.provision(tenant, "unbadged", Set.of("east"));
        }
        assertThat(aclPrincipals("unbadged")).isEmpty();
    }

    private KafkaAgentAccess connect() {
        return KafkaAgentAccess.connect(kafka.bootstrapServers(), SUPER, PREFIX, db);
    }

    private void removeCredentialByHand(String username) throws Exception {
        admin.alterUserScramCredentials(List.of(new UserScramCredentialDeletion(username, ScramMechanism.SCRAM_SHA_512)))
                .all().get(30, TimeUnit.SECONDS);
    }

    private List<String> aclPrincipals(String tenant) throws Exception {
        Collection<AclBinding> bindings = admin.describeAcls(AgentAcls.onDesiredTopic(PREFIX, tenant)).values()
                .get(30, TimeUnit.SECONDS);
        return bindings.stream().map(binding -> binding.entry().principal()).distinct().toList();
    }

    /** The broker applies credential changes moments after the controller commits them. */
    private void awaitLogIn(KafkaClientSecurity login, boolean expected) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (canLogIn(login) != expected) {
            assertThat(System.nanoTime()).as(login.username() + " can log in: " + expected).isLessThan(deadline);
        }
    }

    private boolean canLogIn(KafkaClientSecurity login) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        login.applyTo(config);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.listTopics(Duration.ofSeconds(30));
            return true;
        } catch (SaslAuthenticationException e) {
            return false;
        }
    }
}

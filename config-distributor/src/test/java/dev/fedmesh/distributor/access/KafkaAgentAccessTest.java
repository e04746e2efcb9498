package dev.fedmesh.distributor.access;

import dev.fedmesh.testing.EmbeddedKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialDeletion;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static dev.fedmesh.distributor.access.SecuredBroker.CREDENTIALS;
import static dev.fedmesh.distributor.access.SecuredBroker.PREFIX;
import static dev.fedmesh.distributor.access.SecuredBroker.PRINCIPALS;
import static dev.fedmesh.distributor.access.SecuredBroker.SUPER;
import static dev.fedmesh.distributor.access.SecuredBroker.agent;
import static org.assertj.core.api.Assertions.assertThat;

/** Provisioning against a real broker with ACLs: what is remembered, what is redone after a restart. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KafkaAgentAccessTest {
    private EmbeddedKafka kafka;
    private Admin admin;

    @BeforeAll
    void startBroker() {
        kafka = SecuredBroker.start();
        Properties config = new Properties();
        config.put("bootstrap.servers", kafka.bootstrapServers());
        SUPER.applyTo(config);
        admin = Admin.create(config);
    }

    @AfterAll
    void stopBroker() {
        admin.close();
        kafka.close();
    }

    @Test
    void aTenantWhoseClustersDidNotChangeIsNotProvisionedAgain() throws Exception {
        try (KafkaAgentAccess access = connect()) {
            access.provision("steady", Set.of("east"));
            awaitLogIn("steady", "east", true);
            removeCredentialByHand("steady", "east");
            awaitLogIn("steady", "east", false);

            access.provision("steady", Set.of("east"));
            // The broker applies metadata in order: once this later change shows, an earlier one would too.
            access.provision("barrier", Set.of("east"));
            awaitLogIn("barrier", "east", true);

            assertThat(canLogIn("steady", "east")).as("no Kafka call for an unchanged tenant").isFalse();
        }
    }

    @Test
    void afterARestartEveryClusterIsProvisionedAgainAndOnesDeletedMeanwhileAreRemoved() throws Exception {
        try (KafkaAgentAccess before = connect()) {
            before.provision("restarted", Set.of("east", "west"));
        }
        removeCredentialByHand("restarted", "east");

        try (KafkaAgentAccess after = connect()) {
            after.provision("restarted", Set.of("east"));
        }

        awaitLogIn("restarted", "east", true);
        awaitLogIn("restarted", "west", false);
        assertThat(aclPrincipals("restarted")).containsExactly(PRINCIPALS.principal("restarted", "east"));
    }

    @Test
    void addingAClusterProvisionsItAndRemovingOneTakesItsAccessAway() throws Exception {
        try (KafkaAgentAccess access = connect()) {
            access.provision("growing", Set.of("east"));
            access.provision("growing", Set.of("east", "west"));
            awaitLogIn("growing", "west", true);

            access.provision("growing", Set.of("west"));

            awaitLogIn("growing", "east", false);
            awaitLogIn("growing", "west", true);
            assertThat(aclPrincipals("growing")).containsExactly(PRINCIPALS.principal("growing", "west"));
        }
    }

    private KafkaAgentAccess connect() {
        return KafkaAgentAccess.connect(kafka.bootstrapServers(), SUPER, PREFIX, CREDENTIALS);
    }

    private void removeCredentialByHand(String tenant, String cluster) throws Exception {
        admin.alterUserScramCredentials(List.of(new UserScramCredentialDeletion(PRINCIPALS.username(tenant, cluster),
                ScramMechanism.SCRAM_SHA_512))).all().get(30, TimeUnit.SECONDS);
    }

    private List<String> aclPrincipals(String tenant) throws Exception {
        Collection<AclBinding> bindings = admin.describeAcls(AgentAcls.onDesiredTopic(PREFIX, tenant)).values()
                .get(30, TimeUnit.SECONDS);
        return bindings.stream().map(binding -> binding.entry().principal()).distinct().toList();
    }

    /** The broker applies credential changes moments after the controller commits them. */
    private void awaitLogIn(String tenant, String cluster, boolean expected) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (canLogIn(tenant, cluster) != expected) {
            assertThat(System.nanoTime()).as(tenant + "/" + cluster + " can log in: " + expected).isLessThan(deadline);
        }
    }

    private boolean canLogIn(String tenant, String cluster) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        agent(tenant, cluster).applyTo(config);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.listTopics(Duration.ofSeconds(30));
            return true;
        } catch (SaslAuthenticationException e) {
            return false;
        }
    }
}

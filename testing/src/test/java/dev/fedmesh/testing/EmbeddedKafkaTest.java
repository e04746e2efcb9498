package dev.fedmesh.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaTest {

    @Test
    void topicsSurviveARestartOnTheSameLogDirectory(@TempDir Path logDirectory) throws Exception {
        String topic = TestKafka.topicPrefix(EmbeddedKafkaTest.class) + ".kept";

        try (EmbeddedKafka first = EmbeddedKafka.start(logDirectory, 0); Admin admin = admin(first)) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(10, TimeUnit.SECONDS);
        }

        try (EmbeddedKafka second = EmbeddedKafka.start(logDirectory, 0); Admin admin = admin(second)) {
            Set<String> topics = admin.listTopics().names().get(10, TimeUnit.SECONDS);
            assertThat(topics).contains(topic);
        }
    }

    @Test
    void aTakenPortIsReportedWithThePortNumber() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();

            assertThatThrownBy(() -> EmbeddedKafka.start(null, port))
                    .hasMessageContaining("port " + port);
        }
    }

    @Test
    void aSecuredBrokerServesItsSuperUserAndRefusesAWrongPassword() throws Exception {
        String topic = TestKafka.topicPrefix(EmbeddedKafkaTest.class) + ".secured";
        try (EmbeddedKafka broker = EmbeddedKafka.startSecured("fedmesh-admin", "admin-secret")) {
            try (Admin admin = admin(broker, "fedmesh-admin", "admin-secret")) {
                admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
                assertThat(admin.listTopics().names().get(10, TimeUnit.SECONDS)).contains(topic);
            }
            try (Admin stranger = admin(broker, "fedmesh-admin", "wrong")) {
                assertThatThrownBy(() -> stranger.listTopics().names().get(30, TimeUnit.SECONDS))
                        .hasCauseInstanceOf(SaslAuthenticationException.class);
            }
        }
    }

    private static Admin admin(KafkaBroker broker, String user, String password) {
        return Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                AdminClientConfig.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT",
                SaslConfigs.SASL_MECHANISM, "SCRAM-SHA-512",
                SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.scram.ScramLoginModule required"
                        + " username=\"" + user + "\" password=\"" + password + "\";"));
    }

    private static Admin admin(KafkaBroker broker) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }
}

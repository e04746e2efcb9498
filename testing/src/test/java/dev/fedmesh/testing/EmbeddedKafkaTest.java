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

    private static Admin admin(KafkaBroker broker) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }
}

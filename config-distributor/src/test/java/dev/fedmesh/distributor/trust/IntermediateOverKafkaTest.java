package dev.fedmesh.distributor.trust;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.fedmesh.api.KafkaTopics;
import dev.fedmesh.api.v1.ClusterStatus;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.db.Migrations;
import dev.fedmesh.distributor.ConfigDistributor;
import dev.fedmesh.distributor.DistributorSettings;
import dev.fedmesh.testing.TestDatabase;
import dev.fedmesh.testing.TestKafka;
import dev.fedmesh.testing.TestPostgres;
import dev.fedmesh.trust.x509.CertificateRequest;
import dev.fedmesh.trust.x509.KeyType;
import dev.fedmesh.trust.x509.Pem;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;

import static dev.fedmesh.db.jooq.Tables.CLUSTERS;
import static dev.fedmesh.db.jooq.Tables.OUTBOX;
import static dev.fedmesh.db.jooq.Tables.TENANTS;
import static org.assertj.core.api.Assertions.assertThat;

/** A running distributor answers an agent's intermediate request sent on the tenant's status topic, end to end. */
class IntermediateOverKafkaTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final String TENANT = "initech";

    @Test
    void anAgentsRequestOnTheStatusTopicComesBackAsItsIntermediateInItsDesiredConfig() throws Exception {
        TestDatabase database = TestPostgres.newDatabase(getClass());
        Migrations.apply(database.dataSource());
        DSLContext db = DSL.using(database.dataSource(), SQLDialect.POSTGRES);
        String topicPrefix = TestKafka.topicPrefix(getClass());
        UUID tenantId = UUID.randomUUID();
        String credential = "fmb_" + UUID.randomUUID();
        db.insertInto(TENANTS).set(TENANTS.ID, tenantId).set(TENANTS.NAME, TENANT)
                .set(TENANTS.TRUST_DOMAIN, "initech.example.com").set(TENANTS.REVISION, 1L).execute();
        db.insertInto(CLUSTERS).set(CLUSTERS.TENANT_ID, tenantId).set(CLUSTERS.NAME, "east").set(CLUSTERS.RESOURCE_VERSION, 1L)
                .set(CLUSTERS.BOOTSTRAP_SECRET_SHA256, AgentRequests.sha256(credential))
                .set(CLUSTERS.BOOTSTRAP_ISSUED_AT, OffsetDateTime.now()).execute();
        db.insertInto(OUTBOX).set(OUTBOX.TENANT_ID, tenantId).set(OUTBOX.REVISION, 1L).execute();
        KeyPair keys = KeyType.EC_P256.generate();
        CertificateRequest csr = CertificateRequest.create(keys, "east",
                List.of(java.net.URI.create("spiffe://initech.example.com")), true);

        try (ConfigDistributor ignored = ConfigDistributor.start(DistributorSettings.local(database.jdbcUrl(),
                database.username(), database.password(), TestKafka.broker().bootstrapServers(), topicPrefix),
                TrustSettings.builtIn(Files.createTempDirectory("fedmesh-ca")));
             KafkaProducer<String, byte[]> agent = new KafkaProducer<>(Map.of(
                     ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.broker().bootstrapServers()),
                     new StringSerializer(), new ByteArraySerializer())) {
            DesiredConfig first = await(topicPrefix, config -> config.getRevision() == 1);
            assertThat(first.getTrust().getTrustDomain()).isEqualTo("initech.example.com");
            assertThat(first.getIntermediatesList()).isEmpty();

            ClusterStatus report = ClusterStatus.newBuilder().setTenant(TENANT).setCluster("east").setAppliedRevision(1)
                    .setReportedAt(Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond()))
                    .setIntermediateRequest(AgentRequests.credentialRequest(TENANT, "east", csr, credential))
                    .build();
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(KafkaTopics.status(topicPrefix, TENANT), "east",
                    report.toByteArray());
            record.headers().add(KafkaTopics.REPORT_MAC_HEADER,
                    AgentRequests.reportMac(TENANT, "east", report.toByteArray(), credential));
            agent.send(record).get();

            DesiredConfig withIntermediate = await(topicPrefix, config -> config.getIntermediatesCount() > 0);
            assertThat(withIntermediate.getRevision()).isEqualTo(2);
            assertThat(withIntermediate.getIntermediates(0).getPublicKeySha256())
                    .isEqualTo(ByteString.copyFrom(AgentRequests.publicKeySha256(keys)));
            X509Certificate root = Pem.certificate(withIntermediate.getTrust().getRootCertificatesPem(0));
            X509Certificate intermediate = Pem.certificates(withIntermediate.getIntermediates(0).getChainPem()).get(0);
            intermediate.verify(root.getPublicKey());
            assertThat(intermediate.getPublicKey()).isEqualTo(keys.getPublic());
        }
    }

    private static DesiredConfig await(String topicPrefix, Predicate<DesiredConfig> wanted) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            Optional<DesiredConfig> latest = AgentRequests.latestConfig(topicPrefix, TENANT, "east");
            if (latest.isPresent() && wanted.test(latest.get())) {
                return latest.get();
            }
            assertThat(System.nanoTime()).as("east's config on the desired topic; latest: " + latest).isLessThan(deadline);
            Thread.sleep(200);
        }
    }
}

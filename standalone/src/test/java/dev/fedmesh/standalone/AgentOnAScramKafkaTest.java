package dev.fedmesh.standalone;

import dev.fedmesh.agent.AgentSettings;
import dev.fedmesh.agent.ClusterAgent;
import dev.fedmesh.db.Migrations;
import dev.fedmesh.distributor.ConfigDistributor;
import dev.fedmesh.distributor.DistributorSettings;
import dev.fedmesh.distributor.access.AgentCredentialCommand;
import dev.fedmesh.distributor.access.AgentCredentials;
import dev.fedmesh.api.KafkaClientSecurity;
import dev.fedmesh.testing.EmbeddedKafka;
import dev.fedmesh.testing.TestDatabase;
import dev.fedmesh.testing.TestPostgres;
import dev.fedmesh.trust.signing.ConfigSigningKey;
import io.micronaut.core.value.MapPropertyResolver;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import static dev.fedmesh.db.jooq.Tables.CLUSTERS;
import static dev.fedmesh.db.jooq.Tables.CLUSTER_STATUS;
import static dev.fedmesh.db.jooq.Tables.OUTBOX;
import static dev.fedmesh.db.jooq.Tables.TENANTS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real agent on a broker that authenticates with SCRAM and authorizes with ACLs, set up as an
 * operator would: the operator prints the agent's password with {@code agent-kafka-credential}, the
 * distributor provisions the cluster when it publishes the tenant, and the agent reads its config
 * and reports its status with that password.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AgentOnAScramKafkaTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final String PREFIX = "fedmesh";

    @TempDir
    static Path dir;

    private EmbeddedKafka kafka;
    private DSLContext db;
    private ConfigDistributor distributor;
    private Path secretFile;
    private final ConfigSigningKey signingKey = ConfigSigningKey.generate();

    @BeforeAll
    void startADistributorAsSuperUser() throws IOException {
        kafka = EmbeddedKafka.startSecured("fedmesh-distributor", "distributor-secret");
        TestDatabase database = TestPostgres.newDatabase(getClass());
        Migrations.apply(database.dataSource());
        db = DSL.using(database.dataSource(), SQLDialect.POSTGRES);
        secretFile = Files.writeString(dir.resolve("agent-credential-secret"), "an-operators-secret-0123456789abcdef-xyz\n");
        distributor = ConfigDistributor.start(DistributorSettings.local(database.jdbcUrl(), database.username(),
                        database.password(), kafka.bootstrapServers(), PREFIX)
                .withSigningKey(signingKey)
                .withKafkaSecurity(KafkaClientSecurity.saslPlaintext(KafkaClientSecurity.Mechanism.SCRAM_SHA_512,
                        "fedmesh-distributor", "distributor-secret"), AgentCredentials.read(secretFile)));
    }

    @AfterAll
    void stop() {
        if (distributor != null) {
            distributor.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void anAgentStartedBeforeItsClusterIsProvisionedAppliesItsTenantsConfigAndReportsOnceItIs() throws IOException {
        Path passwordFile = dir.resolve("east-kafka-password");
        Files.writeString(passwordFile, printedCredential("tenant-a", "east"));

        AgentSettings settings = agentSettings(Map.of(
                "fedmesh.agent.tenant", "tenant-a",
                "fedmesh.agent.cluster", "east",
                "fedmesh.agent.kafka.bootstrap-servers", kafka.bootstrapServers(),
                "fedmesh.agent.kafka.security-protocol", "SASL_PLAINTEXT",
                "fedmesh.agent.kafka.password-file", passwordFile.toString()));
        try (ClusterAgent agent = ClusterAgent.start(settings.toBuilder().xdsPort(0).stateDirectory(dir.resolve("state")).build())) {
            // Only now does the distributor create the agent's credential and ACLs: until then Kafka refuses its login.
            UUID tenant = commitTenant("tenant-a", "east");
            commitTenant("tenant-b", "east");
            await(() -> agent.appliedRevision() == 2, "the agent applies revision 2 of tenant-a");
            await(() -> db.fetchExists(CLUSTER_STATUS, CLUSTER_STATUS.TENANT_ID.eq(tenant)
                            .and(CLUSTER_STATUS.CLUSTER.eq("east")).and(CLUSTER_STATUS.APPLIED_REVISION.eq(2L))),
                    "the agent's status report reaches the distributor");

            assertThat(agent.settings().kafkaSecurity().username()).isEqualTo("fedmesh-agent.tenant-a.east");
            assertThat(agent.refusedRecords()).isZero();
        }
    }

    /**
     * What the operator runs: {@code agent-kafka-credential <tenant> <cluster>}, keeping its standard
     * output. Configuration comes from a plain map: this module's classpath also holds control-api,
     * whose beans a Micronaut context would start.
     */
    private String printedCredential(String tenant, String cluster) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PrintStream stdout = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream stderr = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)) {
            assertThat(AgentCredentialCommand.run(new String[] {tenant, cluster}, new MapPropertyResolver(Map.of(
                    "fedmesh.distributor.kafka.agent-credential-secret-file", secretFile.toString())), stdout, stderr))
                    .isZero();
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private AgentSettings agentSettings(Map<String, Object> properties) throws IOException {
        Path verifyingKey = dir.resolve("config-verifying-key.pem");
        if (!Files.exists(verifyingKey)) {
            signingKey.writePublicKey(verifyingKey);
        }
        Map<String, Object> all = new HashMap<>(properties);
        all.put("fedmesh.agent.config-verifying-keys", List.of(verifyingKey.toString()));
        return AgentSettings.from(new MapPropertyResolver(all));
    }

    private UUID commitTenant(String name, String cluster) {
        UUID tenant = UUID.randomUUID();
        db.transaction(configuration -> {
            DSLContext tx = configuration.dsl();
            tx.insertInto(TENANTS).set(TENANTS.ID, tenant).set(TENANTS.NAME, name).set(TENANTS.REVISION, 2L).execute();
            tx.insertInto(CLUSTERS).set(CLUSTERS.TENANT_ID, tenant).set(CLUSTERS.NAME, cluster)
                    .set(CLUSTERS.RESOURCE_VERSION, 1L).execute();
            tx.insertInto(OUTBOX).set(OUTBOX.TENANT_ID, tenant).set(OUTBOX.REVISION, 2L).execute();
        });
        return tenant;
    }

    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what + " within " + PATIENCE.toSeconds() + " s").isLessThan(deadline);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}

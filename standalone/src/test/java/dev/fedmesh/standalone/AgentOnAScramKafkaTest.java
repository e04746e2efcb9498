package dev.fedmesh.standalone;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.fedmesh.agent.AgentSettings;
import dev.fedmesh.agent.ClusterAgent;
import dev.fedmesh.agent.trust.BootstrapCredential;
import dev.fedmesh.agent.trust.IntermediateKeyFiles;
import dev.fedmesh.agent.trust.IntermediateRequestProof;
import dev.fedmesh.api.KafkaClientSecurity;
import dev.fedmesh.api.KafkaTopics;
import dev.fedmesh.api.v1.ClusterInventory;
import dev.fedmesh.api.v1.ClusterStatus;
import dev.fedmesh.api.v1.InventoryEndpoint;
import dev.fedmesh.api.v1.InventoryService;
import dev.fedmesh.api.v1.IntermediateRequest;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.testing.EmbeddedKafka;
import dev.fedmesh.testing.TestKafka;
import dev.fedmesh.trust.credential.ClusterCredentialKeys;
import dev.fedmesh.trust.x509.CertificateRequest;
import dev.fedmesh.trust.x509.KeyType;
import io.micronaut.core.value.MapPropertyResolver;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static dev.fedmesh.db.jooq.Tables.AUDIT_LOG;
import static dev.fedmesh.db.jooq.Tables.CLUSTER_INVENTORIES;
import static dev.fedmesh.db.jooq.Tables.INTERMEDIATES;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole stack on a broker that authenticates with SCRAM and authorizes with ACLs, driven as a
 * user and an operator would, through the REST API: each agent logs in as the Kafka user its
 * cluster's bootstrap credential names; a cluster speaks only for itself; deleting and registering
 * a cluster again, re-issuing its credential, or deleting and re-creating its tenant cuts the old
 * agent off (it can no longer read or write, its intermediate key gets no renewal) while the new
 * agent works.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AgentOnAScramKafkaTest {
    private static final Duration PATIENCE = Duration.ofSeconds(90);
    private static final KafkaClientSecurity DISTRIBUTOR = KafkaClientSecurity.saslPlaintext(
            KafkaClientSecurity.Mechanism.SCRAM_SHA_512, "fedmesh-distributor", "distributor-secret");

    @TempDir
    static Path state;
    private EmbeddedKafka kafka;
    private StackUnderTest mesh;
    private String prefix;

    @BeforeAll
    void startTheStackOnASecuredBroker() {
        kafka = EmbeddedKafka.startSecured("fedmesh-distributor", "distributor-secret");
        mesh = StackUnderTest.start(getClass(), state, Duration.ofSeconds(1), kafka.bootstrapServers(), DISTRIBUTOR,
                Duration.ofSeconds(1));
        prefix = TestKafka.topicPrefix(getClass());
    }

    @AfterAll
    void stop() throws Exception {
        if (mesh != null) {
            mesh.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void anAgentConfiguredWithOnlyItsCredentialLogsInReadsItsConfigAndReports() throws Exception {
        createTenant("initech");
        String credential = register("initech", "east");
        Path credentialFile = Files.writeString(state.resolve("initech-east-credential"), credential + "\n");
        Path verifyingKey = state.resolve("config-verifying-key.pem");
        mesh.stack.writeVerifyingKey(verifyingKey);
        Map<String, Object> properties = new HashMap<>(Map.of(
                "fedmesh.agent.tenant", "initech",
                "fedmesh.agent.cluster", "east",
                "fedmesh.agent.topic-prefix", prefix,
                "fedmesh.agent.kafka.bootstrap-servers", kafka.bootstrapServers(),
                "fedmesh.agent.kafka.security-protocol", "SASL_PLAINTEXT",
                "fedmesh.agent.bootstrap-credential-file", credentialFile.toString(),
                "fedmesh.agent.config-verifying-keys", List.of(verifyingKey.toString())));
        AgentSettings settings = AgentSettings.from(new MapPropertyResolver(properties));

        try (ClusterAgent agent = ClusterAgent.start(settings.toBuilder().xdsPort(0)
                .stateDirectory(state.resolve("initech-east")).build())) {
            await(() -> agent.appliedRevision() >= 1, "the agent applies its tenant's config");
            await(() -> appliedRevision("initech", "east") >= 1, "its status report reaches the API");

            assertThat(agent.settings().kafkaSecurity().username())
                    .isEqualTo(prefix + "-agent.initech.east." + ClusterCredentialKeys.ofCredential(credential).id());
            assertThat(agent.settings().toString()).doesNotContain(credential);
            assertThat(agent.refusedRecords()).isZero();
        }
    }

    @Test
    void anAgentWritingAsAnotherClusterIsNotTakenAndTheOperatorSeesIt() throws Exception {
        createTenant("globex");
        String east = register("globex", "east");
        String west = register("globex", "west");
        ClusterAgent westAgent = mesh.stack.startAgent("globex", "west", west);
        await(() -> appliedRevision("globex", "west") >= 1, "west's own report");

        // East's agent, with its own login, writes a report keyed as west claiming revision 999.
        ClusterStatus forged = ClusterStatus.newBuilder().setTenant("globex").setCluster("west").setAppliedRevision(999)
                .setReportedAt(Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond())).build();
        assertThat(write(login("globex", "east", east), "globex", "west", forged.toByteArray(),
                ClusterCredentialKeys.ofCredential(east).reportMac("globex", "west", forged.toByteArray())))
                .as("the broker lets east write on its tenant's status topic").isTrue();

        JsonNode deadLetter = await(() -> deadLetter("globex", "west", "unauthenticated"),
                letter -> letter != null, "the operator sees the forged report");
        assertThat(deadLetter.path("detail").asText()).contains("another cluster's agent");
        await(() -> appliedRevision("globex", "west") == westAgent.appliedRevision(), "west as its own agent says");
        assertThat(appliedRevision("globex", "west")).isNotEqualTo(999);
    }

    @Test
    void oneClusterCannotSpeakForAnotherInTheInventoriesEveryAgentReads() throws Exception {
        createTenant("soylent");
        String east = register("soylent", "east");
        ClusterAgent westAgent = mesh.stack.startAgent("soylent", "west", register("soylent", "west"));
        westAgent.inventory().register(new ServiceEndpoint("greeter", "10.8.0.1", 50051, Map.of()));
        ClusterAgent northAgent = mesh.stack.startAgent("soylent", "north", register("soylent", "north"));
        await(() -> hostsOf(northAgent.remoteInventories().current().get("west")).contains("10.8.0.1"),
                "north holds west's endpoint");
        KafkaClientSecurity eastLogin = login("soylent", "east", east);
        byte[] eastsOwn = inventory("soylent", "east", "10.7.0.1").toByteArray();
        await(() -> writeInventoryRecord(eastLogin, "soylent", "east", eastsOwn,
                ClusterCredentialKeys.ofCredential(east)), "east's own inventory written with east's login");

        // East's login cannot write the inventory topic every agent reads: only the control plane may.
        Exception refused = writeInventoryTopic(eastLogin, "soylent", "west",
                inventory("soylent", "west", "6.6.6.6").toByteArray());
        assertThat(refused).as("the broker refuses east's write").isNotNull();
        assertThat(rootCause(refused)).isInstanceOf(TopicAuthorizationException.class);

        // East writes an inventory keyed as west on the status topic, which it may write, with its own HMAC.
        byte[] forged = inventory("soylent", "west", "6.6.6.6").toByteArray();
        assertThat(writeInventoryRecord(eastLogin, "soylent", "west", forged, ClusterCredentialKeys.ofCredential(east)))
                .as("the broker lets east write on its tenant's status topic").isTrue();
        JsonNode deadLetter = await(() -> deadLetter("soylent", "west", "unauthenticated"),
                letter -> letter != null, "the operator sees the forged inventory");
        assertThat(deadLetter.path("detail").asText()).contains("another cluster's agent");
        await(() -> hostsOf(northAgent.remoteInventories().current().get("east")).contains("10.7.0.1"),
                "east's own inventory, written before, reaches north");

        assertThat(hostsOf(ClusterInventory.parseFrom(db().select(CLUSTER_INVENTORIES.INVENTORY).from(CLUSTER_INVENTORIES)
                .where(CLUSTER_INVENTORIES.CLUSTER.eq("west")).fetchOne(CLUSTER_INVENTORIES.INVENTORY))))
                .as("west's stored inventory").containsExactly("10.8.0.1");
        assertThat(hostsOf(northAgent.remoteInventories().current().get("west"))).as("west as north's agent reads it")
                .containsExactly("10.8.0.1");
        assertThat(northAgent.remoteInventories().refusedRecords()).isZero();
    }

    @Test
    void aClusterDeletedAndRegisteredAgainCutsOffItsOldAgentAndTheNewOneWorks() throws Exception {
        createTenant("acme");
        String old = register("acme", "east");
        ClusterAgent oldAgent = mesh.stack.startAgent("acme", "east", old);
        await(() -> oldAgent.intermediateNotAfter().isPresent(), "the old agent's intermediate");
        KeyPair oldKey = intermediateKey("acme", "east");
        KafkaClientSecurity oldLogin = login("acme", "east", old);
        assertThat(canRead(oldLogin, "acme")).isTrue();
        mesh.stack.stopAgent("east");

        mesh.api.expectOk(mesh.api.delete("/api/v1/tenants/acme/clusters/east"), "deleting east");
        String renewed = register("acme", "east");

        await(() -> !canRead(oldLogin, "acme"), "the old credential no longer reads acme's configs");
        await(() -> !write(oldLogin, "acme", "east", new byte[] {1}, new byte[32]),
                "the old credential no longer writes acme's status");
        assertNoRenewalFor(oldKey, "acme", "east", renewed);
        awaitWorking(mesh.stack.startAgent("acme", "east", renewed), "acme", "east", oldKey);
    }

    @Test
    void aReissuedCredentialCutsOffTheAgentHoldingTheOldOne() throws Exception {
        createTenant("hooli");
        String old = register("hooli", "east");
        ClusterAgent oldAgent = mesh.stack.startAgent("hooli", "east", old);
        await(() -> oldAgent.intermediateNotAfter().isPresent(), "the old agent's intermediate");
        KeyPair oldKey = intermediateKey("hooli", "east");
        KafkaClientSecurity oldLogin = login("hooli", "east", old);

        String renewed = PolicyJson.parse(mesh.api.expectOk(mesh.api.post(
                        "/api/v1/tenants/hooli/clusters/east/bootstrap-credential", ""), "re-issuing east's credential").body())
                .path("bootstrapCredential").asText();

        await(() -> !canRead(oldLogin, "hooli"), "the old credential no longer reads hooli's configs");
        await(() -> !write(oldLogin, "hooli", "east", new byte[] {1}, new byte[32]),
                "the old credential no longer writes hooli's status");
        assertThat(trust("hooli").path("clusters").get(0).path("intermediates")).as("intermediates revoked").isEmpty();
        assertNoRenewalFor(oldKey, "hooli", "east", renewed);
        mesh.stack.stopAgent("east");
        awaitWorking(mesh.stack.startAgent("hooli", "east", renewed), "hooli", "east", oldKey);
    }

    @Test
    void aTenantDeletedAndCreatedAgainSharesNothingWithTheOldOne() throws Exception {
        createTenant("umbrella");
        String old = register("umbrella", "east");
        ClusterAgent oldAgent = mesh.stack.startAgent("umbrella", "east", old);
        await(() -> oldAgent.intermediateNotAfter().isPresent(), "the old tenant's intermediate");
        String oldRoot = trust("umbrella").path("roots").get(0).path("sha256").asText();
        KeyPair oldKey = intermediateKey("umbrella", "east");
        KafkaClientSecurity oldLogin = login("umbrella", "east", old);
        mesh.stack.stopAgent("east");

        mesh.api.expectOk(mesh.api.delete("/api/v1/tenants/umbrella"), "deleting the tenant");
        await(() -> !canRead(oldLogin, "umbrella"), "the old agent's login no longer works");
        createTenant("umbrella");
        String renewed = register("umbrella", "east");
        awaitWorking(mesh.stack.startAgent("umbrella", "east", renewed), "umbrella", "east", oldKey);

        JsonNode trust = trust("umbrella");
        assertThat(trust.path("roots")).as("one root, a new one").hasSize(1);
        assertThat(trust.path("roots").get(0).path("sha256").asText()).isNotEqualTo(oldRoot);
        assertThat(trust.path("clusters").get(0).path("intermediates")).hasSize(1);
        assertThat(trust.path("clusters").get(0).path("intermediates").get(0).path("rootSha256").asText())
                .isEqualTo(trust.path("roots").get(0).path("sha256").asText());
        assertThat(canRead(oldLogin, "umbrella")).as("the old login, against the new tenant").isFalse();
        assertNoRenewalFor(oldKey, "umbrella", "east", renewed);
    }

    /**
     * Waits until {@code agent} works as the cluster's agent: the API shows an intermediate issued to
     * the cluster for a key that is not {@code oldKey}, the agent issues SVIDs from exactly that one,
     * and its reports (taken, so authenticated) show the revision it runs.
     */
    private void awaitWorking(ClusterAgent agent, String tenant, String cluster, KeyPair oldKey) {
        String old = java.util.HexFormat.of().formatHex(IntermediateRequestProof.publicKeySha256(oldKey));
        JsonNode issued = await(() -> {
            JsonNode intermediates = trust(tenant).path("clusters").get(0).path("intermediates");
            return intermediates.size() == 1 && !intermediates.get(0).path("publicKeySha256").asText().equals(old)
                    ? intermediates.get(0) : null;
        }, found -> found != null, "an intermediate for a new key of " + tenant + "/" + cluster);
        await(() -> java.util.HexFormat.of().formatHex(IntermediateRequestProof.publicKeySha256(
                        intermediateKey(tenant, cluster))).equals(issued.path("publicKeySha256").asText())
                        && agent.intermediateNotAfter().map(Instant::toString).orElse("")
                        .equals(issued.path("notAfter").asText()),
                "the new agent issuing from its new intermediate");
        await(() -> appliedRevision(tenant, cluster) == agent.appliedRevision(), "the new agent's reports");
    }

    /**
     * A renewal signed with the old intermediate key, carried in a report the new credential
     * authenticates (the strongest position an attacker holding only the old key could be in): no
     * intermediate is issued for it, and the refusal is audited.
     */
    private void assertNoRenewalFor(KeyPair oldKey, String tenant, String cluster, String carrier) throws Exception {
        KeyPair next = KeyType.EC_P256.generate();
        String trustDomain = tenant + ".fedmesh.local";
        CertificateRequest csr = CertificateRequest.create(next, "fedmesh intermediate " + cluster + " " + trustDomain,
                List.of(URI.create("spiffe://" + trustDomain)), true);
        Instant now = Instant.now();
        byte[] proofBytes = IntermediateRequestProof.proofBytes(tenant, cluster, now.getEpochSecond(), csr.der());
        IntermediateRequest renewal = IntermediateRequest.newBuilder()
                .setCsrDer(ByteString.copyFrom(csr.der()))
                .setRequestedAt(Timestamp.newBuilder().setSeconds(now.getEpochSecond()))
                .setRenewalProof(IntermediateRequestProof.renewalProof(oldKey, proofBytes))
                .build();
        byte[] report = ClusterStatus.newBuilder().setTenant(tenant).setCluster(cluster).setAppliedRevision(-1)
                .setReportedAt(Timestamp.newBuilder().setSeconds(now.getEpochSecond()))
                .setIntermediateRequest(renewal).build().toByteArray();
        // The carrier's Kafka user exists once the distributor has published the change that registered it.
        await(() -> write(login(tenant, cluster, carrier), tenant, cluster, report,
                ClusterCredentialKeys.ofCredential(carrier).reportMac(tenant, cluster, report)), "the renewal sent");

        byte[] nextKeySha256 = IntermediateRequestProof.publicKeySha256(next);
        await(() -> db().fetchExists(AUDIT_LOG, AUDIT_LOG.ACTION.eq("refuse")
                        .and(AUDIT_LOG.RESOURCE_NAME.eq(cluster))
                        .and(AUDIT_LOG.AFTER.cast(String.class).contains(java.util.HexFormat.of().formatHex(nextKeySha256)))),
                "the renewal with the old key refused and audited");
        assertThat(db().fetchExists(INTERMEDIATES, INTERMEDIATES.PUBLIC_KEY_SHA256.eq(nextKeySha256)))
                .as("an intermediate issued for the renewal").isFalse();
    }

    private org.jooq.DSLContext db() {
        return org.jooq.impl.DSL.using(mesh.database.dataSource(), org.jooq.SQLDialect.POSTGRES);
    }

    private void createTenant(String tenant) {
        mesh.api.expectOk(mesh.api.post("/api/v1/tenants", "{\"name\": \"" + tenant + "\"}"), "creating " + tenant);
    }

    private String register(String tenant, String cluster) {
        return PolicyJson.parse(mesh.api.expectOk(mesh.api.post("/api/v1/tenants/" + tenant + "/clusters",
                "{\"name\": \"" + cluster + "\"}"), "registering " + cluster).body()).path("bootstrapCredential").asText();
    }

    private KafkaClientSecurity login(String tenant, String cluster, String credential) {
        return AgentSettings.kafkaLogin(DISTRIBUTOR, prefix, tenant, cluster, new BootstrapCredential(credential));
    }

    /** The key the agent of {@code cluster} kept for its intermediate, in the stack's state directory. */
    private KeyPair intermediateKey(String tenant, String cluster) {
        return new IntermediateKeyFiles(state.resolve(cluster).resolve(tenant).resolve(cluster)).current()
                .orElseThrow(() -> new AssertionError("no intermediate key kept for " + tenant + "/" + cluster));
    }

    private long appliedRevision(String tenant, String cluster) {
        JsonNode status = PolicyJson.parse(mesh.api.expectOk(mesh.api.get("/api/v1/tenants/" + tenant + "/clusters/"
                + cluster + "/status"), "reading " + cluster + "'s status").body());
        return status.path("appliedRevision").isNull() ? -1 : status.path("appliedRevision").asLong();
    }

    private JsonNode trust(String tenant) {
        return PolicyJson.parse(mesh.api.expectOk(mesh.api.get("/api/v1/tenants/" + tenant + "/trust"),
                "reading " + tenant + "'s trust").body());
    }

    private JsonNode deadLetter(String tenant, String cluster, String reason) {
        for (JsonNode letter : PolicyJson.parse(mesh.api.expectOk(mesh.api.get("/api/v1/tenants/" + tenant
                + "/status/dead-letters"), "reading the dead letters").body()).path("deadLetters")) {
            if (letter.path("cluster").asText().equals(cluster) && letter.path("reason").asText().equals(reason)) {
                return letter;
            }
        }
        return null;
    }

    /** Whether {@code login} reads a record of the tenant's desired topic, as an agent does. */
    private boolean canRead(KafkaClientSecurity login, String tenant) {
        String topic = KafkaTopics.desired(prefix, tenant);
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        login.applyTo(config);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline) {
                if (!consumer.poll(Duration.ofMillis(200)).isEmpty()) {
                    return true;
                }
            }
            return false;
        } catch (KafkaException e) {
            return false;
        }
    }

    /** Whether {@code login} gets a record keyed by {@code cluster} onto the tenant's status topic. */
    private boolean write(KafkaClientSecurity login, String tenant, String cluster, byte[] value, byte[] mac) {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15_000);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        login.applyTo(config);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config, new StringSerializer(),
                new ByteArraySerializer())) {
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(KafkaTopics.status(prefix, tenant), cluster, value);
            record.headers().add(KafkaTopics.REPORT_MAC_HEADER, mac);
            producer.send(record).get(30, TimeUnit.SECONDS);
            return true;
        } catch (ExecutionException | KafkaException e) {
            return false;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static ClusterInventory inventory(String tenant, String cluster, String host) {
        return ClusterInventory.newBuilder().setTenant(tenant).setCluster(cluster).setGeneration(1)
                .addServices(InventoryService.newBuilder().setName("greeter")
                        .addEndpoints(InventoryEndpoint.newBuilder().setHost(host).setPort(50051)))
                .build();
    }

    private static List<String> hostsOf(ClusterInventory inventory) {
        return inventory == null ? List.of() : inventory.getServicesList().stream()
                .flatMap(service -> service.getEndpointsList().stream()).map(InventoryEndpoint::getHost).toList();
    }

    private static Throwable rootCause(Throwable error) {
        Throwable cause = error;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause;
    }

    /**
     * Whether {@code login} gets an inventory record keyed by {@code cluster} onto the tenant's status topic,
     * authenticated with {@code keys} as an agent authenticates its own.
     */
    private boolean writeInventoryRecord(KafkaClientSecurity login, String tenant, String cluster, byte[] value,
                                         ClusterCredentialKeys keys) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(KafkaTopics.status(prefix, tenant), cluster, value);
        record.headers().add(KafkaTopics.RECORD_KIND_HEADER,
                KafkaTopics.INVENTORY_RECORD_KIND.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        record.headers().add(KafkaTopics.REPORT_MAC_HEADER, keys.reportMac(tenant, cluster,
                KafkaTopics.authenticatedBytes(KafkaTopics.INVENTORY_RECORD_KIND, value)));
        return send(login, record) == null;
    }

    /** What the broker answers {@code login} writing to the tenant's inventory topic: null when it took the record. */
    private Exception writeInventoryTopic(KafkaClientSecurity login, String tenant, String cluster, byte[] value) {
        return send(login, new ProducerRecord<>(KafkaTopics.inventory(prefix, tenant), cluster, value));
    }

    private Exception send(KafkaClientSecurity login, ProducerRecord<String, byte[]> record) {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15_000);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        login.applyTo(config);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config, new StringSerializer(),
                new ByteArraySerializer())) {
            producer.send(record).get(30, TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException e) {
            return e;
        } catch (KafkaException e) {
            return e;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static void await(BooleanSupplier condition, String what) {
        await(condition::getAsBoolean, Boolean::booleanValue, what);
    }

    private static <T> T await(java.util.function.Supplier<T> read, java.util.function.Predicate<T> done, String what) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        T value = read.get();
        while (!done.test(value)) {
            assertThat(System.nanoTime()).as(what + " within " + PATIENCE.toSeconds() + " s").isLessThan(deadline);
            sleep();
            value = read.get();
        }
        return value;
    }

    private static void sleep() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}

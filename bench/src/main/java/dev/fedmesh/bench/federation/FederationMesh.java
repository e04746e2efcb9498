package dev.fedmesh.bench.federation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fedmesh.agent.AgentSettings;
import dev.fedmesh.agent.ClusterAgent;
import dev.fedmesh.agent.federation.InventoryPublisher;
import dev.fedmesh.agent.federation.InventoryPublishing;
import dev.fedmesh.agent.health.ProbeSettings;
import dev.fedmesh.agent.trust.BootstrapCredential;
import dev.fedmesh.agent.trust.TrustSettings;
import dev.fedmesh.api.KafkaTopics;
import dev.fedmesh.api.v1.ClusterInventory;
import dev.fedmesh.policy.compiler.ClusterInfo;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.standalone.ApiClient;
import dev.fedmesh.standalone.FedmeshStack;
import dev.fedmesh.testing.EmbeddedKafka;
import dev.fedmesh.testing.EmbeddedPostgres;
import dev.fedmesh.trust.credential.ClusterCredentialKeys;
import dev.fedmesh.trust.signing.ConfigVerifier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The real pipeline in one JVM: an embedded PostgreSQL, an in-JVM Kafka broker, control-api and the
 * distributor ({@link FedmeshStack}), tenants registered over the API, agents started with their
 * cluster's bootstrap credential, and clusters whose inventories are published by an
 * {@link InventoryPublisher} alone (no agent), authenticated with their credential exactly as an
 * agent's status reporter authenticates its records.
 */
final class FederationMesh implements AutoCloseable {

    static final String TOPIC_PREFIX = "fedmesh-bench-fed";

    private final EmbeddedPostgres postgres;
    private final EmbeddedKafka kafka;
    private final FedmeshStack stack;
    private final ApiClient api;
    private final Path state;
    private final ConfigVerifier verifier;
    private final KafkaProducer<String, byte[]> publishersProducer;
    private final Deque<AutoCloseable> started = new ArrayDeque<>();

    private FederationMesh(EmbeddedPostgres postgres, EmbeddedKafka kafka, FedmeshStack stack, ApiClient api, Path state,
                           ConfigVerifier verifier) {
        this.postgres = postgres;
        this.kafka = kafka;
        this.stack = stack;
        this.api = api;
        this.state = state;
        this.verifier = verifier;
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "bench-inventory-publishers");
        config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1_048_576);
        this.publishersProducer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
    }

    /** Starts PostgreSQL, Kafka, control-api and the distributor, keeping their state under {@code state}. */
    static FederationMesh start(Path state) throws IOException {
        EmbeddedPostgres postgres = EmbeddedPostgres.start(null, 0);
        EmbeddedKafka kafka = EmbeddedKafka.start(null, 0);
        String token = HexFormat.of().formatHex(new SecureRandom().generateSeed(24));
        FedmeshStack stack = FedmeshStack.start(new FedmeshStack.Options(postgres.createDatabase("fedmesh"),
                postgres.username(), postgres.password(), kafka.bootstrapServers(), TOPIC_PREFIX, token, 0, 0,
                state.resolve("stack")));
        Path key = state.resolve("control-plane-key.pem");
        Files.createDirectories(state);
        stack.writeVerifyingKey(key);
        ConfigVerifier verifier;
        try {
            verifier = ConfigVerifier.readPublicKeys(List.of(key));
        } catch (Exception e) {
            stack.close();
            throw new IllegalStateException("cannot read the control plane's public key from " + key, e);
        }
        return new FederationMesh(postgres, kafka, stack, new ApiClient(stack.apiUrl(), token), state, verifier);
    }

    String kafkaBootstrapServers() {
        return kafka.bootstrapServers();
    }

    FedmeshStack stack() {
        return stack;
    }

    ApiClient api() {
        return api;
    }

    /**
     * Creates {@code tenant} with its clusters (region, zone, network and gateway as given), its
     * services and policies (JSON documents with a name); returns each cluster's bootstrap credential.
     */
    Map<String, String> createTenant(String tenant, List<ClusterInfo> clusters, List<String> services,
                                     List<String> policies) throws IOException {
        ObjectMapper json = new ObjectMapper();
        api.expectOk(api.post("/api/v1/tenants", "{\"name\": \"" + tenant + "\"}"), "creating tenant " + tenant);
        for (String service : services) {
            api.expectOk(api.put("/api/v1/tenants/" + tenant + "/services/" + service, "{\"labels\": {}}"),
                    "declaring service " + service);
        }
        for (String policy : policies) {
            String name = json.readTree(policy).path("name").asText();
            api.expectOk(api.put("/api/v1/tenants/" + tenant + "/policies/" + name, policy), "applying policy " + name);
        }
        Map<String, String> credentials = new LinkedHashMap<>();
        for (ClusterInfo cluster : clusters) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("name", cluster.name());
            body.put("region", cluster.region());
            body.put("zone", cluster.zone());
            body.put("network", cluster.network());
            if (!cluster.eastWestGateway().isEmpty()) {
                body.put("eastWestGateway", cluster.eastWestGateway());
            }
            ApiClient.Answer answer = api.expectOk(api.post("/api/v1/tenants/" + tenant + "/clusters",
                    json.writeValueAsString(body)), "registering cluster " + cluster.name());
            JsonNode registered = json.readTree(answer.body());
            credentials.put(cluster.name(), registered.path("bootstrapCredential").asText());
        }
        return credentials;
    }

    /**
     * Starts the agent of {@code cluster} with its credential and {@code endpoints} as its static
     * local endpoints (registered before it serves), on a free xDS port, probing as {@code probes} say.
     */
    ClusterAgent startAgent(String tenant, String cluster, String credential, List<ServiceEndpoint> endpoints,
                            ProbeSettings probes) {
        AgentSettings settings = AgentSettings.builder(tenant, cluster)
                .kafkaBootstrapServers(kafka.bootstrapServers())
                .configVerifier(verifier)
                .topicPrefix(TOPIC_PREFIX)
                .xdsPort(0)
                .stateDirectory(state.resolve("agents").resolve(cluster))
                .endpoints(endpoints)
                .probes(probes)
                .trust(TrustSettings.DEFAULT.withBootstrapCredential(new BootstrapCredential(credential)))
                .build();
        ClusterAgent agent = ClusterAgent.start(settings);
        started.push(agent);
        return agent;
    }

    /**
     * Publishes {@code cluster}'s inventory as its agent's {@link InventoryPublisher} would (the
     * default coalescing and re-send), with no agent: a record of kind inventory on the tenant's
     * status topic keyed by the cluster, carrying the HMAC of its credential.
     */
    InventoryPublisher publishAlone(String tenant, String cluster, String credential,
                                    Supplier<ClusterInventory> inventory) {
        ClusterCredentialKeys keys = ClusterCredentialKeys.ofCredential(credential);
        String topic = KafkaTopics.status(TOPIC_PREFIX, tenant);
        InventoryPublisher publisher = new InventoryPublisher(tenant, cluster, inventory, bytes -> {
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, cluster, bytes);
            record.headers().add(KafkaTopics.RECORD_KIND_HEADER,
                    KafkaTopics.INVENTORY_RECORD_KIND.getBytes(StandardCharsets.UTF_8));
            record.headers().add(KafkaTopics.REPORT_MAC_HEADER, keys.reportMac(tenant, cluster,
                    KafkaTopics.authenticatedBytes(KafkaTopics.INVENTORY_RECORD_KIND, bytes)));
            CompletableFuture<Void> sent = new CompletableFuture<>();
            publishersProducer.send(record, (metadata, error) -> {
                if (error != null) {
                    sent.completeExceptionally(error);
                } else {
                    sent.complete(null);
                }
            });
            return sent;
        }, InventoryPublishing.defaults());
        started.push(publisher);
        publisher.start();
        return publisher;
    }

    /** Stops what this mesh started, the newest first. */
    void stopStarted() {
        while (!started.isEmpty()) {
            try {
                started.pop().close();
            } catch (Exception e) {
                System.err.println("[bench] a component failed to stop cleanly: " + e);
            }
        }
    }

    @Override
    public void close() {
        stopStarted();
        publishersProducer.close();
        stack.close();
        kafka.close();
        postgres.close();
    }
}

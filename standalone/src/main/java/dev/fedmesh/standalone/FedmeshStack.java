package dev.fedmesh.standalone;

import dev.fedmesh.agent.AgentSettings;
import dev.fedmesh.agent.ClusterAgent;
import dev.fedmesh.agent.trust.BootstrapCredential;
import dev.fedmesh.agent.trust.TrustSettings;
import dev.fedmesh.api.KafkaClientSecurity;
import dev.fedmesh.distributor.ConfigDistributor;
import dev.fedmesh.distributor.DistributorSettings;
import dev.fedmesh.trust.signing.ConfigSigningKey;
import dev.fedmesh.trust.signing.ConfigVerifier;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * control-api, the distributor and any number of cluster agents in one JVM, wired to one
 * PostgreSQL database and one Kafka broker: what production runs as separate processes. The
 * stack makes one config signing key at start: the distributor signs with it, every agent trusts
 * its public key. The distributor issues the clusters' intermediates from the built-in CA in
 * {@code <state directory>/ca}, so an agent started with its cluster's bootstrap credential gets
 * an intermediate and keeps its local workloads' SVID files current.
 */
public final class FedmeshStack implements AutoCloseable {
    private final Options options;
    private final ControlApiServer api;
    private final ConfigDistributor distributor;
    private final ConfigSigningKey signingKey = ConfigSigningKey.generate();
    private final Map<String, ClusterAgent> agents = new LinkedHashMap<>();
    private final Map<String, AgentSettings> agentSettings = new LinkedHashMap<>();
    private final Deque<AutoCloseable> started = new ArrayDeque<>();

    /**
     * Where the stack's dependencies are and how it presents itself. With a SASL {@code kafkaSecurity}
     * (the distributor's own, a Kafka super user) the distributor provisions each cluster's agent
     * and sweeps agents' access every {@code agentAccessSweep}, and agents log in with the Kafka
     * user their bootstrap credential names.
     */
    public record Options(
            String jdbcUrl,
            String dbUsername,
            String dbPassword,
            String kafkaBootstrapServers,
            String topicPrefix,
            String adminToken,
            int apiPort,
            int grpcPort,
            Path stateDirectory,
            Duration rootRotationSettle,
            KafkaClientSecurity kafkaSecurity,
            Duration agentAccessSweep) {

        /** Options whose root rotations wait the distributor's default settle time between stages, on a plaintext Kafka. */
        public Options(String jdbcUrl, String dbUsername, String dbPassword, String kafkaBootstrapServers,
                       String topicPrefix, String adminToken, int apiPort, int grpcPort, Path stateDirectory) {
            this(jdbcUrl, dbUsername, dbPassword, kafkaBootstrapServers, topicPrefix, adminToken, apiPort, grpcPort,
                    stateDirectory, dev.fedmesh.distributor.trust.TrustSettings.DEFAULT_ROTATION_SETTLE,
                    KafkaClientSecurity.plaintext(), DistributorSettings.DEFAULT_AGENT_ACCESS_SWEEP);
        }
    }

    private FedmeshStack(Options options) {
        this.options = options;
        this.api = ControlApiServer.start(options.jdbcUrl(), options.dbUsername(), options.dbPassword(),
                options.adminToken(), options.apiPort(), options.grpcPort());
        started.push(api);
        try {
            this.distributor = ConfigDistributor.start(DistributorSettings.local(options.jdbcUrl(), options.dbUsername(),
                    options.dbPassword(), options.kafkaBootstrapServers(), options.topicPrefix()).withSigningKey(signingKey)
                            .withKafkaSecurity(options.kafkaSecurity()).withAgentAccessSweep(options.agentAccessSweep()),
                    dev.fedmesh.distributor.trust.TrustSettings.builtIn(options.stateDirectory().resolve("ca"))
                            .withRotationSettle(options.rootRotationSettle()));
            started.push(distributor);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Starts control-api (which migrates the schema) and the distributor with the built-in CA. */
    public static FedmeshStack start(Options options) {
        return new FedmeshStack(options);
    }

    /**
     * Starts the agent of one cluster, serving xDS on a free port, without a credential: it issues no
     * SVIDs, and the control plane takes none of its status reports (they carry no HMAC). For
     * measurements that need neither; a cluster's real agent runs with its credential.
     */
    public ClusterAgent startAgent(String tenant, String cluster) {
        return startAgent(tenant, cluster, TrustSettings.DEFAULT);
    }

    /**
     * Starts the agent of one cluster, serving xDS on a free port, with the cluster's bootstrap
     * credential (from the API's answer to registering it): the agent asks for its intermediate
     * and issues its local workloads' SVIDs.
     */
    public ClusterAgent startAgent(String tenant, String cluster, String bootstrapCredential) {
        return startAgent(tenant, cluster, TrustSettings.DEFAULT.withBootstrapCredential(new BootstrapCredential(bootstrapCredential)));
    }

    private synchronized ClusterAgent startAgent(String tenant, String cluster, TrustSettings trust) {
        KafkaClientSecurity login = trust.bootstrapCredential().isPresent() && options.kafkaSecurity().protocol().usesSasl()
                ? AgentSettings.kafkaLogin(options.kafkaSecurity(), options.topicPrefix(), tenant, cluster,
                        trust.bootstrapCredential().get())
                : options.kafkaSecurity();
        AgentSettings settings = AgentSettings.builder(tenant, cluster)
                .kafkaSecurity(login)
                .kafkaBootstrapServers(options.kafkaBootstrapServers())
                .configVerifier(ConfigVerifier.trusting(signingKey.publicKey()))
                .topicPrefix(options.topicPrefix())
                .xdsPort(0)
                .stateDirectory(options.stateDirectory().resolve(cluster))
                .trust(trust)
                .build();
        return run(cluster, settings);
    }

    private ClusterAgent run(String cluster, AgentSettings settings) {
        ClusterAgent agent = ClusterAgent.start(settings);
        agents.put(cluster, agent);
        // A restart serves on the port the first start got, so the cluster's workloads find it again.
        agentSettings.put(cluster, settings.toBuilder().xdsPort(agent.xdsPort()).build());
        started.push(agent);
        return agent;
    }

    /** Stops the agent of {@code cluster} as a crash or an upgrade would; its state directory stays. */
    public synchronized void stopAgent(String cluster) {
        ClusterAgent agent = agents.remove(cluster);
        if (agent == null) {
            throw new IllegalStateException("no agent of cluster " + cluster + " is running");
        }
        started.remove(agent);
        agent.close();
    }

    /**
     * Starts the agent of {@code cluster} again, after {@link #stopAgent}, with the settings it last
     * ran with and on the same xDS port; its local workloads must be registered again.
     */
    public synchronized ClusterAgent restartAgent(String cluster) {
        AgentSettings settings = agentSettings.get(cluster);
        if (settings == null || agents.containsKey(cluster)) {
            throw new IllegalStateException("cluster " + cluster + " has no stopped agent to restart");
        }
        return run(cluster, settings);
    }

    /** Writes the public key every agent of this stack trusts to {@code file} (PEM), for an agent configured by hand. */
    public void writeVerifyingKey(Path file) throws java.io.IOException {
        signingKey.writePublicKey(file);
    }

    public ClusterAgent agent(String cluster) {
        return agents.get(cluster);
    }

    public URI apiUrl() {
        return api.url();
    }

    /** host:port of the gRPC management API. */
    public String grpcAddress() {
        return api.grpcAddress();
    }

    /** Stops everything in the reverse order it started. */
    @Override
    public synchronized void close() {
        while (!started.isEmpty()) {
            try {
                started.pop().close();
            } catch (Exception e) {
                System.err.println("fedmesh: a component failed to stop cleanly: " + e.getMessage());
            }
        }
    }
}

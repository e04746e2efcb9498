package dev.fedmesh.standalone.faults;

import dev.fedmesh.standalone.Await;
import dev.fedmesh.agent.AgentSettings;
import dev.fedmesh.agent.ClusterAgent;
import dev.fedmesh.agent.trust.BootstrapCredential;
import dev.fedmesh.distributor.ConfigDistributor;
import dev.fedmesh.distributor.DistributorSettings;
import dev.fedmesh.distributor.trust.TrustSettings;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.sample.v1.GreeterGrpc;
import dev.fedmesh.sample.v1.HelloRequest;
import dev.fedmesh.standalone.ApiClient;
import dev.fedmesh.standalone.ControlApiServer;
import dev.fedmesh.standalone.sample.GreeterServer;
import dev.fedmesh.testing.xds.ProxylessClients;
import dev.fedmesh.trust.signing.ConfigSigningKey;
import dev.fedmesh.trust.signing.ConfigVerifier;
import io.grpc.ManagedChannel;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * One tenant's fedmesh with each part started and stopped on its own — control-api, a
 * distributor in this JVM, and one agent per cluster, optionally with greeter backends (v1 and v2)
 * behind it — so a fault test can take any part away and bring it back. Agents keep their
 * last-known-good config under one state directory, so a restarted agent finds it again.
 */
final class MeshUnderTest implements AutoCloseable {
    static final String TENANT = "acme";

    /** Where the database and the broker are, and the topic prefix of this test. */
    record Servers(String jdbcUrl, String dbUsername, String dbPassword, String kafkaBootstrapServers, String topicPrefix) {
    }

    private final Servers servers;
    private final List<String> clusters;
    private final Path stateDirectory;
    private final String adminToken = "faults-" + UUID.randomUUID();
    private final ConfigSigningKey signingKey = ConfigSigningKey.generate();
    private final Map<String, ClusterAgent> agents = new TreeMap<>();
    private final Map<String, List<ServiceEndpoint>> endpoints = new TreeMap<>();
    private final Map<String, String> credentials = new TreeMap<>();
    private final List<GreeterServer> greeters = new ArrayList<>();
    private final Map<String, List<GreeterServer>> greetersByCluster = new TreeMap<>();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final AtomicInteger clientNumber = new AtomicInteger();
    private ControlApiServer apiServer;
    private ApiClient api;
    private ConfigDistributor distributor;

    MeshUnderTest(Servers servers, List<String> clusters, Path stateDirectory) {
        this.servers = servers;
        this.clusters = List.copyOf(clusters);
        this.stateDirectory = stateDirectory;
    }

    Servers servers() {
        return servers;
    }

    List<String> clusters() {
        return clusters;
    }

    /** The key the distributor signs with; every agent trusts its public key. */
    ConfigSigningKey signingKey() {
        return signingKey;
    }

    String adminToken() {
        return adminToken;
    }

    /** Starts control-api on a free port (it migrates the schema), as the standalone run does. */
    void startApi() {
        apiServer = ControlApiServer.start(servers.jdbcUrl(), servers.dbUsername(), servers.dbPassword(), adminToken, 0, 0);
        api = new ApiClient(apiServer.url(), adminToken);
    }

    void stopApi() {
        apiServer.close();
        apiServer = null;
    }

    ApiClient api() {
        return api;
    }

    void startDistributor() {
        distributor = ConfigDistributor.start(DistributorSettings.local(servers.jdbcUrl(), servers.dbUsername(),
                servers.dbPassword(), servers.kafkaBootstrapServers(), servers.topicPrefix()).withSigningKey(signingKey));
    }

    /** Starts a distributor that also issues the clusters' intermediates, from a built-in CA under the state directory. */
    void startDistributorWithCa() {
        distributor = ConfigDistributor.start(DistributorSettings.local(servers.jdbcUrl(), servers.dbUsername(),
                servers.dbPassword(), servers.kafkaBootstrapServers(), servers.topicPrefix()).withSigningKey(signingKey),
                TrustSettings.builtIn(stateDirectory.resolve("ca")));
    }

    void stopDistributor() {
        distributor.close();
        distributor = null;
    }

    /** Creates the tenant and registers every cluster through the API, keeping each one's bootstrap credential. */
    void registerTenantAndClusters() {
        registerTenantAndClusters(Map.of());
    }

    /**
     * As {@link #registerTenantAndClusters()}, with more attributes for some clusters: JSON members
     * such as {@code "region": "us-east1", "zone": "us-east1-b"} added to the cluster's registration.
     */
    void registerTenantAndClusters(Map<String, String> attributes) {
        api.expectOk(api.post("/api/v1/tenants", "{\"name\": \"" + TENANT + "\"}"), "creating the tenant");
        for (String cluster : clusters) {
            String more = attributes.containsKey(cluster) ? ", " + attributes.get(cluster) : "";
            credentials.put(cluster, PolicyJson.parse(api.expectOk(api.post("/api/v1/tenants/" + TENANT + "/clusters",
                    "{\"name\": \"" + cluster + "\"" + more + "}"), "registering " + cluster).body())
                    .path("bootstrapCredential").asText());
        }
    }

    /** Starts greeter v1 and v2 in every cluster; agents started later serve them as local endpoints. */
    void startGreeters() {
        for (String cluster : clusters) {
            startGreeters(cluster, List.of("v1", "v2"));
        }
    }

    /** Starts one greeter of each of {@code versions} in {@code cluster}; its agent, started later, serves them. */
    void startGreeters(String cluster, List<String> versions) {
        List<ServiceEndpoint> local = new ArrayList<>(endpoints.getOrDefault(cluster, List.of()));
        for (String version : versions) {
            GreeterServer greeter = GreeterServer.start(cluster, version);
            greeters.add(greeter);
            greetersByCluster.computeIfAbsent(cluster, name -> new ArrayList<>()).add(greeter);
            local.add(new ServiceEndpoint("greeter", "127.0.0.1", greeter.port(), Map.of("version", version)));
        }
        endpoints.put(cluster, local);
    }

    /** Stops the first {@code count} greeters of {@code cluster}, as a crash would; returns when their ports are closed. */
    void stopGreeters(String cluster, int count) {
        List<GreeterServer> running = greetersByCluster.get(cluster);
        for (int i = 0; i < count; i++) {
            running.get(i).close();
        }
    }

    /** Starts every greeter of {@code cluster} again (those stopped), on the ports its agent knows them by. */
    void restartGreeters(String cluster) {
        List<GreeterServer> known = greetersByCluster.get(cluster);
        for (int i = 0; i < known.size(); i++) {
            GreeterServer old = known.get(i);
            if (old.isStopped()) {
                GreeterServer again = GreeterServer.start(cluster, old.version(), old.port());
                known.set(i, again);
                greeters.add(again);
            }
        }
    }

    void startAgents() {
        clusters.forEach(this::startAgent);
    }

    /** Starts (or starts again) one cluster's agent with its bootstrap credential, serving xDS on a free port. */
    ClusterAgent startAgent(String cluster) {
        AgentSettings settings = AgentSettings.builder(TENANT, cluster)
                .trust(dev.fedmesh.agent.trust.TrustSettings.DEFAULT.withBootstrapCredential(
                        new BootstrapCredential(credentials.get(cluster))))
                .kafkaBootstrapServers(servers.kafkaBootstrapServers())
                .configVerifier(ConfigVerifier.trusting(signingKey.publicKey()))
                .topicPrefix(servers.topicPrefix())
                .xdsPort(0)
                .stateDirectory(stateDirectory.resolve(cluster))
                .endpoints(endpoints.getOrDefault(cluster, List.of()))
                .build();
        ClusterAgent agent = ClusterAgent.start(settings);
        agents.put(cluster, agent);
        return agent;
    }

    void stopAgent(String cluster) {
        agents.remove(cluster).close();
    }

    ClusterAgent agent(String cluster) {
        return agents.get(cluster);
    }

    /** A new proxyless gRPC client of greeter in the cluster, resolved through the cluster's agent as it runs now. */
    ManagedChannel newClient(String cluster) {
        ManagedChannel channel = ProxylessClients.channel("127.0.0.1:" + agents.get(cluster).xdsPort(),
                "client-" + cluster + "-" + clientNumber.incrementAndGet(), "greeter");
        channels.add(channel);
        return channel;
    }

    /** Which greeter version answered one call (waiting for the client's xDS answers if it has none yet). */
    static String versionAnswering(ManagedChannel client) {
        return GreeterGrpc.newBlockingStub(client).withWaitForReady().withDeadlineAfter(10, TimeUnit.SECONDS)
                .sayHello(HelloRequest.newBuilder().setName("fault test").build()).getVersion();
    }

    /** Versions answering {@code calls} calls, counted. */
    static Map<String, Integer> sample(ManagedChannel client, int calls) {
        Map<String, Integer> counts = new TreeMap<>();
        for (int i = 0; i < calls; i++) {
            counts.merge(versionAnswering(client), 1, Integer::sum);
        }
        return counts;
    }

    /** Sends greeter's traffic to one version through the API; returns the tenant revision the change made. */
    long routeAllTo(String version) {
        int v1 = version.equals("v1") ? 100 : 0;
        ApiClient.Answer answer = api.expectOk(api.put("/api/v1/tenants/" + TENANT + "/policies/greeter-split", """
                {"kind": "TrafficRoute", "target": {"service": "greeter"},
                 "spec": {"split": [{"subset": {"version": "v1"}, "weight": %d},
                                    {"subset": {"version": "v2"}, "weight": %d}]}}""".formatted(v1, 100 - v1)),
                "routing greeter to " + version);
        return revisionOf(answer);
    }

    static long revisionOf(ApiClient.Answer answer) {
        return Long.parseLong(answer.body().replaceAll("(?s).*\"resourceVersion\":\"?(\\d+)\"?.*", "$1"));
    }

    /** The lowest revision any running agent serves. */
    long lowestAppliedRevision() {
        return agents.values().stream().mapToLong(ClusterAgent::appliedRevision).min().orElse(-1);
    }

    /**
     * Waits until every cluster's agent serves {@code revision} and prints how long that took from
     * {@code sinceNanos} (a {@link System#nanoTime()}): the fault's end, or the change.
     */
    long awaitConvergence(String fault, long revision, long sinceNanos) {
        awaitEveryCluster(revision);
        long millis = (System.nanoTime() - sinceNanos) / 1_000_000;
        System.out.println("Convergence after " + fault + ": " + millis + " ms (" + clusters.size() + " clusters)");
        return millis;
    }

    /** Waits until every cluster's agent serves {@code revision} (or a later one). */
    void awaitEveryCluster(long revision) {
        awaitEveryCluster(revision, () -> "");
    }

    /** As {@link #awaitEveryCluster(long)}, adding {@code context} (e.g. a process's log) to a failure. */
    void awaitEveryCluster(long revision, Supplier<String> context) {
        Await.until(() -> agents.size() == clusters.size() && lowestAppliedRevision() >= revision,
                () -> "every cluster to apply revision " + revision + "; applied: " + appliedRevisions() + context.get());
    }

    /**
     * Waits until the API's status of the tenant shows every cluster in sync at {@code revision} —
     * the agents' reports came back through Kafka and the distributor stored them — and prints how
     * long that took from {@code sinceNanos}.
     */
    void awaitApiShowsEveryClusterInSync(String fault, long revision, long sinceNanos) {
        String path = "/api/v1/tenants/" + TENANT + "/status";
        Await.until(() -> {
            String status = api.get(path).body();
            // At the revision or a later one: an agent's first intermediate, issued meanwhile, is a revision too.
            Map<String, Long> desired = new TreeMap<>();
            java.util.regex.Matcher cluster = java.util.regex.Pattern
                    .compile("\\{\"cluster\":\"([^\"]+)\",\"desiredRevision\":\"?(\\d+)\"?,").matcher(status);
            while (cluster.find()) {
                desired.put(cluster.group(1), Long.parseLong(cluster.group(2)));
            }
            return clusters.stream().allMatch(name -> desired.getOrDefault(name, -1L) >= revision)
                    && !status.contains("\"inSync\":false");
        }, () -> "the API to show every cluster in sync at revision " + revision + " or later: " + api.get(path).body());
        System.out.println("API status shows every cluster in sync after " + fault + ": "
                + (System.nanoTime() - sinceNanos) / 1_000_000 + " ms (" + clusters.size() + " clusters)");
    }

    Map<String, Long> appliedRevisions() {
        Map<String, Long> applied = new TreeMap<>();
        agents.forEach((cluster, agent) -> applied.put(cluster, agent.appliedRevision()));
        return applied;
    }

    /** Stops everything this mesh started, clients first, the API last. */
    @Override
    public void close() {
        channels.forEach(ProxylessClients::close);
        // Each agent takes a moment to close its Kafka clients; twenty of them one by one add up.
        agents.values().parallelStream().forEach(ClusterAgent::close);
        agents.clear();
        greeters.forEach(GreeterServer::close);
        if (distributor != null) {
            stopDistributor();
        }
        if (apiServer != null) {
            stopApi();
        }
    }
}

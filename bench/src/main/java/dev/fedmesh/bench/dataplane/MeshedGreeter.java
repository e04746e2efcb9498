package dev.fedmesh.bench.dataplane;

import dev.fedmesh.agent.ClusterAgent;
import dev.fedmesh.agent.identity.WorkloadCertificateFiles;
import dev.fedmesh.agent.trust.WorkloadSvids;
import dev.fedmesh.agent.xds.ProxylessBootstrap;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.standalone.ApiClient;
import dev.fedmesh.standalone.FedmeshStack;
import dev.fedmesh.testing.FreePort;
import dev.fedmesh.testing.xds.ProxylessClients;
import dev.fedmesh.testing.xds.ProxylessServers;
import io.grpc.ManagedChannel;
import io.grpc.Server;

import java.nio.file.Files;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * Variant (b): the greeter as a proxyless gRPC server and its caller frontend as a proxyless
 * client ({@code xds:///greeter}), both configured by a real agent of a real stack, under the
 * policies {@link #POLICIES} written through the REST API: STRICT mTLS, a TrafficPermission that
 * lets only frontend call greeter, a Retry and a Timeout for greeter.
 */
final class MeshedGreeter implements AutoCloseable {
    static final String TENANT = "bench";
    static final String CLUSTER = "east";
    /** The policies of the mesh variant, by name, as the API takes them. */
    static final Map<String, String> POLICIES = policies();
    // The first SVID waits for the cluster's intermediate: a status report, the distributor, a desired config.
    private static final Duration SVID_PATIENCE = Duration.ofSeconds(180);
    private static final Duration APPLY_PATIENCE = Duration.ofSeconds(120);

    private final ClusterAgent agent;
    private final Server server;
    private final ManagedChannel channel;

    private MeshedGreeter(ClusterAgent agent, Server server, ManagedChannel channel) {
        this.agent = agent;
        this.server = server;
        this.channel = channel;
    }

    /** Creates the tenant, its cluster, services and policies through {@code api}, and starts the cluster's agent. */
    static ClusterAgent configure(FedmeshStack stack, ApiClient api, Set<String> policies) throws InterruptedException {
        api.expectOk(api.post("/api/v1/tenants", "{\"name\": \"" + TENANT + "\", \"trustDomain\": \"bench.fedmesh.dev\"}"),
                "creating the tenant");
        ApiClient.Answer registered = api.expectOk(api.post("/api/v1/tenants/" + TENANT + "/clusters",
                "{\"name\": \"" + CLUSTER + "\"}"), "registering cluster " + CLUSTER);
        String credential = PolicyJson.parse(registered.body()).path("bootstrapCredential").asText();
        for (String service : List.of("greeter", "frontend")) {
            api.expectOk(api.put("/api/v1/tenants/" + TENANT + "/services/" + service, "{}"), "registering " + service);
        }
        ClusterAgent agent = stack.startAgent(TENANT, CLUSTER, credential);
        long revision = 0;
        for (Map.Entry<String, String> policy : POLICIES.entrySet()) {
            if (!policies.contains(policy.getKey())) {
                continue;
            }
            ApiClient.Answer answer = api.expectOk(api.put("/api/v1/tenants/" + TENANT + "/policies/" + policy.getKey(),
                    policy.getValue()), "applying " + policy.getKey());
            revision = Math.max(revision, PolicyJson.parse(answer.body()).path("resourceVersion").asLong());
        }
        long last = revision;
        await(APPLY_PATIENCE, () -> agent.appliedRevision() >= last, "the agent to apply revision " + last);
        return agent;
    }

    /** Starts greeter's xDS server and frontend's xDS channel on {@code agent}, once each has its SVID. */
    static MeshedGreeter start(ClusterAgent agent) throws InterruptedException {
        int port = FreePort.find();
        Server server = ProxylessServers.start(bootstrap(agent, "shop", "greeter", workload(agent, "shop", "greeter", port)),
                port, new Greeter());
        WorkloadCertificateFiles frontend = workload(agent, "shop", "frontend", FreePort.find());
        return new MeshedGreeter(agent, server, ProxylessClients.secureChannel(bootstrap(agent, "shop", "frontend", frontend),
                "greeter"));
    }

    ManagedChannel channel() {
        return channel;
    }

    String adsAddress() {
        return "127.0.0.1:" + agent.xdsPort();
    }

    @Override
    public void close() {
        ProxylessClients.close(channel);
        ProxylessServers.stop(server);
    }

    private static Map<String, String> policies() {
        Map<String, String> policies = new LinkedHashMap<>();
        policies.put("mesh-strict", """
                {"kind": "MtlsMode", "target": {"mesh": true}, "spec": {"mode": "STRICT"}}""");
        policies.put("zero-trust", """
                {"kind": "TrafficPermission", "target": {"mesh": true}, "spec": {"default": "DENY"}}""");
        policies.put("greeter-callers", """
                {"kind": "TrafficPermission", "target": {"service": "greeter"},
                 "spec": {"rules": [{"action": "ALLOW", "sources": [{"service": "frontend"}]}]}}""");
        policies.put("greeter-retries", """
                {"kind": "Retry", "target": {"service": "greeter"},
                 "spec": {"attempts": 3, "retryOn": ["unavailable", "reset"], "backoff": {"base": "25ms", "max": "250ms"}}}""");
        policies.put("greeter-timeouts", """
                {"kind": "Timeout", "target": {"service": "greeter"}, "spec": {"request": "2s"}}""");
        return Collections.unmodifiableMap(policies);
    }

    /** Registers {@code service} in {@code namespace} as a local workload; returns its SVID files once written. */
    private static WorkloadCertificateFiles workload(ClusterAgent agent, String namespace, String service, int port)
            throws InterruptedException {
        agent.inventory().register(new ServiceEndpoint(service, "127.0.0.1", port,
                Map.of(WorkloadSvids.NAMESPACE_LABEL, namespace)));
        WorkloadCertificateFiles files = agent.workloadFiles(namespace, service);
        await(SVID_PATIENCE, () -> Files.exists(files.certificateFile()),
                "the agent to write the SVID files of " + namespace + "/" + service);
        return files;
    }

    private static Map<String, ?> bootstrap(ClusterAgent agent, String namespace, String service,
                                            WorkloadCertificateFiles files) {
        return ProxylessBootstrap.of("127.0.0.1:" + agent.xdsPort(), namespace + "/" + service, files);
    }

    private static void await(Duration patience, BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("waited " + patience.toSeconds() + " s for " + what);
            }
            Thread.sleep(100);
        }
    }
}

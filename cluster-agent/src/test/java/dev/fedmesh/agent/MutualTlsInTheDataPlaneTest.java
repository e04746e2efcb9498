package dev.fedmesh.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fedmesh.agent.identity.WorkloadCertificateFiles;
import dev.fedmesh.agent.identity.WorkloadCertificates;
import dev.fedmesh.agent.trust.WorkloadSvids;
import dev.fedmesh.agent.xds.ProxylessBootstrap;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.MeshTrust;
import dev.fedmesh.api.v1.MtlsModeSpec;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.api.v1.Service;
import dev.fedmesh.api.v1.ServiceSubset;
import dev.fedmesh.api.v1.Target;
import dev.fedmesh.api.v1.TrafficPermissionSpec;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.policy.xds.WorkloadIdentities;
import dev.fedmesh.testing.TestResources;
import dev.fedmesh.testing.xds.ProxylessClients;
import dev.fedmesh.testing.xds.ProxylessServers;
import dev.fedmesh.trust.signing.ConfigSigningKey;
import dev.fedmesh.trust.signing.ConfigVerifier;
import dev.fedmesh.trust.spiffe.SpiffeId;
import dev.fedmesh.trust.spiffe.TrustDomain;
import dev.fedmesh.trust.svid.SvidIssuer;
import dev.fedmesh.trust.x509.KeyType;
import dev.fedmesh.trust.x509.Pem;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * STRICT mTLS and TrafficPermission enforced by real proxyless gRPC: {@code XdsServerBuilder}
 * servers and xDS clients configured only by the agent's xDS and the certificate files the agent
 * writes for them; SVIDs from cluster intermediates under the tenant's root.
 */
class MutualTlsInTheDataPlaneTest {

    private static final String TENANT = "acme";
    private static final String GREETER = "greeter";
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @AutoClose
    private final TestResources resources = new TestResources();
    private int workloads;

    @Test
    void strictServerServesTheTenantsSvidsAndRefusesPlaintextForeignRootsAndOtherTenants() throws Exception {
        ClusterPki acme = new ClusterPki(dir.resolve("acme-ca"), "acme.fedmesh.dev");
        SvidIssuer east = acme.clusterIssuer("east");
        ClusterAgent agent = agent("east", config("east", 1, acme, strictMesh()));
        int port = freePort();
        serve(agent, "east", workload(acme, east, "shop", GREETER, acme.roots()), port);

        ManagedChannel member = channel(agent, workload(acme, east, "shop", "frontend", acme.roots()));
        assertThat(call(member)).isEqualTo(GREETER);

        ManagedChannel plaintext = Grpc.newChannelBuilderForAddress("127.0.0.1", port, InsecureChannelCredentials.create())
                .build();
        resources.add(() -> ProxylessClients.close(plaintext));
        assertThat(statusOf(plaintext).getCode()).isEqualTo(Status.Code.UNAVAILABLE);

        // Same trust domain name, another root: an SVID no cluster of the tenant issued. Its holder
        // trusts the tenant's root too, so only the server's check can refuse it.
        ClusterPki forger = new ClusterPki(dir.resolve("forged-ca"), "acme.fedmesh.dev");
        ManagedChannel forged = channel(agent, workload(forger, forger.clusterIssuer("east"), "shop", "frontend",
                concat(acme, forger)));
        assertRefusedInTheTlsHandshake(statusOf(forged));

        ClusterPki globex = new ClusterPki(dir.resolve("globex-ca"), "globex.fedmesh.dev");
        ManagedChannel otherTenant = channel(agent, workload(globex, globex.clusterIssuer("east"), "shop", "frontend",
                concat(acme, globex)));
        assertRefusedInTheTlsHandshake(statusOf(otherTenant));

        assertThat(call(member)).as("the tenant's workload is still served").isEqualTo(GREETER);
    }

    @Test
    void aPermissiveServiceServesPlaintextCallersInsideAndOutsideTheMesh() throws Exception {
        ClusterPki acme = new ClusterPki(dir.resolve("acme-ca"), "acme.fedmesh.dev");
        SvidIssuer east = acme.clusterIssuer("east");
        Policy greeterPermissive = Policy.newBuilder().setKind("MtlsMode").setName("greeter-permissive")
                .setTarget(Target.newBuilder().setService(ServiceSubset.newBuilder().setService(GREETER)))
                .setMtlsMode(MtlsModeSpec.newBuilder().setMode(MtlsModeSpec.Mode.MODE_PERMISSIVE))
                .build();
        ClusterAgent agent = agent("east", config("east", 1, acme, strictMesh(), greeterPermissive));
        int port = freePort();
        serve(agent, "east", workload(acme, east, "shop", GREETER, acme.roots()), port);

        ManagedChannel member = channel(agent, workload(acme, east, "shop", "frontend", acme.roots()));
        ManagedChannel outsider = Grpc.newChannelBuilderForAddress("127.0.0.1", port, InsecureChannelCredentials.create())
                .build();
        resources.add(() -> ProxylessClients.close(outsider));

        assertThat(call(member)).isEqualTo(GREETER);
        assertThat(call(outsider)).isEqualTo(GREETER);
    }

    @Test
    void callersRefuseAServerWhoseSvidIsNotOneOfTheServicesIdentities() throws Exception {
        ClusterPki acme = new ClusterPki(dir.resolve("acme-ca"), "acme.fedmesh.dev");
        SvidIssuer east = acme.clusterIssuer("east");
        ClusterAgent agent = agent("east", config("east", 1, acme, strictMesh()));
        serve(agent, "east", workload(acme, east, "shop", "impostor", acme.roots()), freePort());

        ManagedChannel frontend = channel(agent, workload(acme, east, "shop", "frontend", acme.roots()));

        assertRefusedInTheTlsHandshake(statusOf(frontend));
    }

    @Test
    void aRootAddedToTheServersTrustBundleIsTrustedWithoutARestart() throws Exception {
        ClusterPki acme = new ClusterPki(dir.resolve("acme-ca"), "acme.fedmesh.dev");
        ClusterPki nextRoot = new ClusterPki(dir.resolve("next-ca"), "acme.fedmesh.dev");
        ClusterAgent agent = agent("east", config("east", 1, acme, strictMesh()));
        Workload greeter = workload(acme, acme.clusterIssuer("east"), "shop", GREETER, acme.roots());
        serve(agent, "east", greeter, freePort());
        ManagedChannel underNextRoot = channel(agent, workload(nextRoot, nextRoot.clusterIssuer("east"), "shop",
                "frontend", concat(acme, nextRoot)));
        assertRefusedInTheTlsHandshake(statusOf(underNextRoot));

        // The first step of a root rotation: the new root joins the bundle. The agent rewrites the
        // server's files; the running server picks them up at its next refresh.
        greeter.writeWithBundle(concat(acme, nextRoot));

        awaitStatus(underNextRoot, Status.Code.OK);
        assertThat(call(underNextRoot)).isEqualTo(GREETER);
    }

    @Test
    void trafficPermissionServesAnAllowedIdentityDeniesAnotherAndANewConfigSwapsThemWithoutARestart() throws Exception {
        ClusterPki acme = new ClusterPki(dir.resolve("acme-ca"), "acme.fedmesh.dev");
        SvidIssuer east = acme.clusterIssuer("east");
        ClusterAgent agent = agent("east", config("east", 1, acme, strictMesh(), meshDefaultDeny(),
                allow("greeter-callers", "frontend")));
        serve(agent, "east", workload(acme, east, "shop", GREETER, acme.roots()), freePort());
        ManagedChannel frontend = channel(agent, workload(acme, east, "shop", "frontend", acme.roots()));
        ManagedChannel batch = channel(agent, workload(acme, east, "jobs", "batch", acme.roots()));

        assertThat(call(frontend)).isEqualTo(GREETER);
        assertThat(statusOf(batch).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);

        assertThat(agent.offer(config("east", 2, acme, strictMesh(), meshDefaultDeny(),
                allow("greeter-callers", "batch")))).isTrue();

        awaitStatus(frontend, Status.Code.PERMISSION_DENIED);
        assertThat(call(batch)).isEqualTo(GREETER);
        assertThat(statusOf(frontend).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    }

    @Test
    void aWorkloadInEastCallsOneInWestBothTrustingTheOthersIntermediateThroughTheSharedRoot() throws Exception {
        ClusterPki acme = new ClusterPki(dir.resolve("acme-ca"), "acme.fedmesh.dev");
        SvidIssuer east = acme.clusterIssuer("east");
        SvidIssuer west = acme.clusterIssuer("west");
        ClusterAgent eastAgent = agent("east", config("east", 1, acme, strictMesh(), meshDefaultDeny(),
                allow("greeter-callers", "frontend")));
        ClusterAgent westAgent = agent("west", config("west", 1, acme, strictMesh(), meshDefaultDeny(),
                allow("greeter-callers", "frontend")));
        int port = freePort();
        serve(westAgent, "west", workload(acme, west, "shop", GREETER, acme.roots()), port);
        // Until agents exchange inventories, east learns west's endpoint the way that exchange will
        // hand it over: as an endpoint of the service in its own inventory.
        eastAgent.inventory().register(new ServiceEndpoint(GREETER, "127.0.0.1", port, Map.of()));

        ManagedChannel fromEast = channel(eastAgent, workload(acme, east, "shop", "frontend", acme.roots()));

        assertThat(call(fromEast)).isEqualTo(GREETER);
    }

    @Test
    void aDenyRuleForOnePathAndMethodDeniesOnlyThoseCalls() throws Exception {
        ClusterPki acme = new ClusterPki(dir.resolve("acme-ca"), "acme.fedmesh.dev");
        SvidIssuer east = acme.clusterIssuer("east");
        Policy denyUnary = Policy.newBuilder().setKind("TrafficPermission").setName("no-unary-for-frontend")
                .setTarget(Target.newBuilder().setService(ServiceSubset.newBuilder().setService(GREETER)))
                .setTrafficPermission(TrafficPermissionSpec.newBuilder()
                        .addRules(TrafficPermissionSpec.Rule.newBuilder()
                                .setAction(TrafficPermissionSpec.Action.ACTION_DENY)
                                .addSources(TrafficPermissionSpec.Source.newBuilder().setService("frontend"))
                                .setHttp(TrafficPermissionSpec.HttpMatch.newBuilder()
                                        .addMethods("POST")
                                        .addPaths(TrafficPermissionSpec.PathMatch.newBuilder()
                                                .setExact("/grpc.testing.SimpleService/UnaryRpc")))))
                .build();
        ClusterAgent agent = agent("east", config("east", 1, acme, strictMesh(), denyUnary));
        serve(agent, "east", workload(acme, east, "shop", GREETER, acme.roots()), freePort());
        ManagedChannel frontend = channel(agent, workload(acme, east, "shop", "frontend", acme.roots()));
        ManagedChannel batch = channel(agent, workload(acme, east, "jobs", "batch", acme.roots()));

        assertThat(call(batch)).isEqualTo(GREETER);
        assertThat(statusOf(frontend).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(streamingStatusOf(frontend).getCode())
                .as("another method of the service passes the rule and reaches the server, which does not implement it")
                .isEqualTo(Status.Code.UNIMPLEMENTED);
    }

    @Test
    void theAgentsSvidPassesEveryTrafficPermissionWithHealthChecksAndWithNothingElse() throws Exception {
        ClusterPki acme = new ClusterPki(dir.resolve("acme-ca"), "acme.fedmesh.dev");
        SvidIssuer east = acme.clusterIssuer("east");
        Policy denyFrontend = Policy.newBuilder().setKind("TrafficPermission").setName("no-frontend")
                .setTarget(Target.newBuilder().setMesh(true))
                .setTrafficPermission(TrafficPermissionSpec.newBuilder()
                        .setDefaultAction(TrafficPermissionSpec.Action.ACTION_DENY)
                        .addRules(TrafficPermissionSpec.Rule.newBuilder()
                                .setAction(TrafficPermissionSpec.Action.ACTION_DENY)
                                .addSources(TrafficPermissionSpec.Source.newBuilder().setNamespace("shop"))))
                .build();
        ClusterAgent agent = agent("east", config("east", 1, acme, strictMesh(), denyFrontend));
        serve(agent, "east", workload(acme, east, "shop", GREETER, acme.roots()), freePort());
        // The agent's identity as a proxyless client, to call the way its prober does.
        SpiffeId agentId = SpiffeId.parse(WorkloadIdentities.agentId("acme.fedmesh.dev", "east"));
        WorkloadCertificateFiles agentFiles = new WorkloadCertificateFiles(dir.resolve("agent-svid"));
        KeyPair keys = KeyType.EC_P256.generate();
        agentFiles.write(new WorkloadCertificates(east.issue(agentId, keys.getPublic(), Instant.now()).chainPem(),
                Pem.write(keys.getPrivate()), acme.rootsPem()));
        ManagedChannel asAgent = ProxylessClients.secureChannel(ProxylessBootstrap.of("localhost:" + agent.xdsPort(),
                agentId.toString(), agentFiles), GREETER);
        resources.add(() -> ProxylessClients.close(asAgent));
        ManagedChannel frontend = channel(agent, workload(acme, east, "shop", "frontend", acme.roots()));

        assertThat(HealthGrpc.newBlockingStub(asAgent).withWaitForReady().withDeadlineAfter(20, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance()).getStatus()).isEqualTo(ServingStatus.SERVING);
        assertThat(statusOf(asAgent).getCode()).as("any other call of the agent's").isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThatThrownBy(() -> HealthGrpc.newBlockingStub(frontend).withDeadlineAfter(20, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance()))
                .as("a denied workload's health check")
                .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
    }

    private ClusterAgent agent(String cluster, DesiredConfig config) throws IOException {
        ClusterAgent agent = ClusterAgent.start(AgentSettings.builder(TENANT, cluster)
                .kafkaBootstrapServers("127.0.0.1:" + freePort())
                .configVerifier(ConfigVerifier.trusting(ConfigSigningKey.generate().publicKey()))
                .xdsPort(0)
                .stateDirectory(dir.resolve("agent-" + cluster))
                .build());
        resources.add(agent);
        assertThat(agent.offer(config)).isTrue();
        return agent;
    }

    /**
     * A workload of {@code service} in {@code namespace} of {@code pki}'s trust domain, its files written
     * the way an agent writes them, with an SVID from {@code issuer} and {@code trustBundle} beside it.
     */
    private Workload workload(ClusterPki pki, SvidIssuer issuer, String namespace, String service,
                              List<X509Certificate> trustBundle) {
        // Each workload in files of its own, as if from an agent of its own: one test may hold the same
        // identity twice, e.g. issued by a forger.
        WorkloadSvids svids = new WorkloadSvids(dir.resolve("workloads").resolve(String.valueOf(++workloads)));
        Workload workload = new Workload(svids, pki.trustDomain(), issuer,
                new ServiceEndpoint(service, "127.0.0.1", 8080, Map.of(WorkloadSvids.NAMESPACE_LABEL, namespace)));
        workload.writeWithBundle(trustBundle);
        return workload;
    }

    /** Starts the greeter workload on {@code port} of the agent's cluster, registered in its inventory. */
    private void serve(ClusterAgent agent, String cluster, Workload workload, int port) {
        agent.inventory().register(new ServiceEndpoint(GREETER, "127.0.0.1", port, Map.of()));
        Server server = ProxylessServers.start(
                ProxylessBootstrap.of("localhost:" + agent.xdsPort(), cluster + "/" + GREETER, workload.files()), port,
                new SimpleServiceGrpc.SimpleServiceImplBase() {
                    @Override
                    public void unaryRpc(SimpleRequest request, StreamObserver<SimpleResponse> response) {
                        response.onNext(SimpleResponse.newBuilder().setResponseMessage(GREETER).build());
                        response.onCompleted();
                    }
                }, new HealthStatusManager().getHealthService());
        resources.add(() -> ProxylessServers.stop(server));
    }

    private ManagedChannel channel(ClusterAgent agent, Workload workload) {
        ManagedChannel channel = ProxylessClients.secureChannel(ProxylessBootstrap.of("localhost:" + agent.xdsPort(),
                workload.id().toString(), workload.files()), GREETER);
        resources.add(() -> ProxylessClients.close(channel));
        return channel;
    }

    private static String call(ManagedChannel channel) {
        return SimpleServiceGrpc.newBlockingStub(channel)
                .withWaitForReady()
                .withDeadlineAfter(20, TimeUnit.SECONDS)
                .unaryRpc(SimpleRequest.getDefaultInstance())
                .getResponseMessage();
    }

    /** The status a call ends with; a call that is refused fails fast rather than waiting for the channel. */
    private static Status statusOf(ManagedChannel channel) {
        try {
            SimpleServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(20, TimeUnit.SECONDS)
                    .unaryRpc(SimpleRequest.getDefaultInstance());
            return Status.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus();
        }
    }

    private static Status streamingStatusOf(ManagedChannel channel) {
        try {
            SimpleServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(20, TimeUnit.SECONDS)
                    .serverStreamingRpc(SimpleRequest.getDefaultInstance())
                    .forEachRemaining(response -> { });
            return Status.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus();
        }
    }

    /**
     * The call failed in the TLS handshake (an SSL exception in its cause), not for want of xDS
     * configuration; each such client trusts the server, so it was the server that refused it.
     */
    private static void assertRefusedInTheTlsHandshake(Status status) {
        assertThat(status.getCode()).as("%s", status).isEqualTo(Status.Code.UNAVAILABLE);
        List<Throwable> causes = new ArrayList<>();
        for (Throwable cause = status.getCause(); cause != null; cause = cause.getCause()) {
            causes.add(cause);
        }
        assertThat(causes).as("causes of %s", status).anyMatch(SSLException.class::isInstance);
    }

    /** Calls until one ends with {@code code} (the sign the change arrived); fails after a generous wait. */
    private static void awaitStatus(ManagedChannel channel, Status.Code code) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (statusOf(channel).getCode() != code) {
            assertThat(System.nanoTime()).as("a call ending %s", code).isLessThan(deadline);
            // A refused channel fails calls at once while it backs off; no need to spin.
            Thread.sleep(50);
        }
    }

    private static List<X509Certificate> concat(ClusterPki first, ClusterPki second) {
        List<X509Certificate> roots = new ArrayList<>(first.roots());
        roots.addAll(second.roots());
        return roots;
    }

    private static DesiredConfig config(String cluster, long revision, ClusterPki pki, Policy... policies) {
        return DesiredConfig.newBuilder()
                .setTenant(TENANT)
                .setCluster(cluster)
                .setRevision(revision)
                .addServices(Service.newBuilder().setName(GREETER))
                .addAllPolicies(List.of(policies))
                .setTrust(MeshTrust.newBuilder()
                        .setTrustDomain(pki.trustDomain().name())
                        .addRootCertificatesPem(pki.rootsPem()))
                .build();
    }

    private static Policy strictMesh() {
        return Policy.newBuilder().setKind("MtlsMode").setName("mesh-strict")
                .setTarget(Target.newBuilder().setMesh(true))
                .setMtlsMode(MtlsModeSpec.newBuilder().setMode(MtlsModeSpec.Mode.MODE_STRICT))
                .build();
    }

    private static Policy meshDefaultDeny() {
        return Policy.newBuilder().setKind("TrafficPermission").setName("zero-trust")
                .setTarget(Target.newBuilder().setMesh(true))
                .setTrafficPermission(TrafficPermissionSpec.newBuilder()
                        .setDefaultAction(TrafficPermissionSpec.Action.ACTION_DENY))
                .build();
    }

    private static Policy allow(String name, String service) {
        return Policy.newBuilder().setKind("TrafficPermission").setName(name)
                .setTarget(Target.newBuilder().setService(ServiceSubset.newBuilder().setService(GREETER)))
                .setTrafficPermission(TrafficPermissionSpec.newBuilder()
                        .addRules(TrafficPermissionSpec.Rule.newBuilder()
                                .setAction(TrafficPermissionSpec.Action.ACTION_ALLOW)
                                .addSources(TrafficPermissionSpec.Source.newBuilder().setService(service))))
                .build();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** One workload's SVID files as the agent's {@link WorkloadSvids} keeps them. */
    private record Workload(WorkloadSvids svids, TrustDomain trustDomain, SvidIssuer issuer, ServiceEndpoint endpoint) {

        SpiffeId id() {
            return WorkloadSvids.idOf(trustDomain, endpoint);
        }

        WorkloadCertificateFiles files() {
            return svids.files(endpoint.labels().get(WorkloadSvids.NAMESPACE_LABEL), endpoint.service());
        }

        /** Writes the files with {@code bundle}: a first SVID, or the same SVID with a new bundle beside it. */
        void writeWithBundle(List<X509Certificate> bundle) {
            assertThat(svids.refresh(List.of(endpoint), issuer, "", trustDomain, bundle, Instant.now()))
                    .as("workloads whose files were written").isEqualTo(1);
        }
    }
}

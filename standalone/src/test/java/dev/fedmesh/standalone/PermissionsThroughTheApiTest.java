package dev.fedmesh.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fedmesh.agent.ClusterAgent;
import dev.fedmesh.agent.identity.WorkloadCertificateFiles;
import dev.fedmesh.agent.identity.WorkloadIdentity;
import dev.fedmesh.agent.xds.ProxylessBootstrap;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.sample.v1.GreeterGrpc;
import dev.fedmesh.sample.v1.HelloReply;
import dev.fedmesh.sample.v1.HelloRequest;
import dev.fedmesh.testing.FreePort;
import dev.fedmesh.testing.TestDatabase;
import dev.fedmesh.testing.TestKafka;
import dev.fedmesh.testing.TestPostgres;
import dev.fedmesh.testing.xds.ProxylessClients;
import dev.fedmesh.testing.xds.ProxylessServers;
import dev.fedmesh.trust.ca.BuiltInCertificateAuthority;
import dev.fedmesh.trust.ca.IntermediateSigningRequest;
import dev.fedmesh.trust.spiffe.TrustDomain;
import dev.fedmesh.trust.svid.SvidIssuer;
import dev.fedmesh.trust.x509.CertificateRequest;
import dev.fedmesh.trust.x509.KeyType;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * STRICT mTLS and a TrafficPermission applied through the REST API reach a real proxyless gRPC
 * server and its real xDS clients: REST → PostgreSQL → outbox → distributor → Kafka → agent → xDS,
 * with the workloads' SVIDs issued from the cluster's intermediate under the tenant's root.
 */
class PermissionsThroughTheApiTest {

    private static final String TENANT = "acme";
    private static final String CLUSTER = "east";
    private static final TrustDomain ACME = TrustDomain.of("acme.fedmesh.dev");

    @TempDir
    Path dir;

    private final List<AutoCloseable> running = new ArrayList<>();

    @AfterEach
    void stopEverything() throws Exception {
        for (int i = running.size() - 1; i >= 0; i--) {
            running.get(i).close();
        }
    }

    @Test
    void changingATrafficPermissionThroughTheApiSwapsWhoIsServedWithoutARestart() throws Exception {
        TestDatabase database = TestPostgres.newDatabase(getClass());
        String token = "permissions-" + UUID.randomUUID();
        FedmeshStack stack = FedmeshStack.start(new FedmeshStack.Options(database.jdbcUrl(), database.username(),
                database.password(), TestKafka.broker().bootstrapServers(), TestKafka.topicPrefix(getClass()), token, 0, 0,
                dir.resolve("agents")));
        running.add(stack::close);
        ApiClient api = new ApiClient(stack.apiUrl(), token);
        // The tenant's trust domain is the one this test issues its workloads' SVIDs in.
        api.expectOk(api.post("/api/v1/tenants", "{\"name\": \"" + TENANT + "\", \"trustDomain\": \"" + ACME.name() + "\"}"),
                "creating the tenant");
        api.expectOk(api.post("/api/v1/tenants/" + TENANT + "/clusters", "{\"name\": \"" + CLUSTER + "\"}"),
                "registering " + CLUSTER);
        for (String service : List.of("greeter", "frontend", "batch")) {
            api.expectOk(api.put("/api/v1/tenants/" + TENANT + "/services/" + service, "{}"), "registering " + service);
        }
        ClusterAgent agent = stack.startAgent(TENANT, CLUSTER);
        apply(api, "mesh-strict", """
                {"kind": "MtlsMode", "target": {"mesh": true}, "spec": {"mode": "STRICT"}}""");
        apply(api, "zero-trust", """
                {"kind": "TrafficPermission", "target": {"mesh": true}, "spec": {"default": "DENY"}}""");
        long first = apply(api, "greeter-callers", callers("frontend"));
        Await.until(() -> agent.appliedRevision() >= first, "the agent to apply revision " + first);

        BuiltInCertificateAuthority ca = BuiltInCertificateAuthority.open(dir.resolve("ca"), Clock.systemUTC());
        SvidIssuer east = clusterIssuer(ca);
        int port = FreePort.find();
        agent.inventory().register(new ServiceEndpoint("greeter", "127.0.0.1", port, Map.of()));
        Server server = ProxylessServers.start(bootstrap(agent, identity(east, ca, "shop", "greeter")), port, greeter());
        running.add(() -> ProxylessServers.stop(server));
        ManagedChannel frontend = channel(agent, identity(east, ca, "shop", "frontend"));
        ManagedChannel batch = channel(agent, identity(east, ca, "jobs", "batch"));

        assertThat(call(frontend).getMessage()).startsWith("Hello");
        assertThat(GreeterCalls.statusOf(batch, "test")).isEqualTo(Status.Code.PERMISSION_DENIED);

        long answeredAt = System.nanoTime();
        long second = apply(api, "greeter-callers", callers("batch"));
        Await.until(() -> GreeterCalls.statusOf(frontend, "test") == Status.Code.PERMISSION_DENIED, "frontend to be denied");
        System.out.println("API 200 → first call refused by the changed permission: "
                + (System.nanoTime() - answeredAt) / 1_000_000 + " ms");
        assertThat(agent.appliedRevision()).isGreaterThanOrEqualTo(second);

        assertThat(call(batch).getMessage()).startsWith("Hello");
        assertThat(GreeterCalls.statusOf(frontend, "test")).isEqualTo(Status.Code.PERMISSION_DENIED);
    }

    private static String callers(String service) {
        return """
                {"kind": "TrafficPermission", "target": {"service": "greeter"},
                 "spec": {"rules": [{"action": "ALLOW", "sources": [{"service": "%s"}]}]}}""".formatted(service);
    }

    private static long apply(ApiClient api, String name, String json) {
        ApiClient.Answer answer = api.expectOk(api.put("/api/v1/tenants/" + TENANT + "/policies/" + name, json),
                "applying " + name);
        return Long.parseLong(answer.body().replaceAll(".*\"resourceVersion\":\"(\\d+)\".*", "$1"));
    }

    private static SvidIssuer clusterIssuer(BuiltInCertificateAuthority ca) {
        KeyPair keys = KeyType.EC_P256.generate();
        CertificateRequest csr = CertificateRequest.create(keys, "fedmesh agent " + CLUSTER, List.of(), true);
        return new SvidIssuer(ACME, keys.getPrivate(),
                List.of(ca.signIntermediate(IntermediateSigningRequest.leavesOnly(ACME, csr, Duration.ofDays(1))).certificate()),
                Duration.ofHours(1));
    }

    private WorkloadIdentity identity(SvidIssuer issuer, BuiltInCertificateAuthority ca, String namespace, String account) {
        WorkloadIdentity identity = new WorkloadIdentity(ACME.workload(namespace, account), issuer,
                new WorkloadCertificateFiles(dir.resolve("workloads").resolve(namespace + "-" + account)), ca.roots(ACME));
        identity.renewIfDue(Instant.now());
        return identity;
    }

    private static Map<String, ?> bootstrap(ClusterAgent agent, WorkloadIdentity identity) {
        return ProxylessBootstrap.of("127.0.0.1:" + agent.xdsPort(), identity.id().toString(), identity.files());
    }

    private ManagedChannel channel(ClusterAgent agent, WorkloadIdentity identity) {
        ManagedChannel channel = ProxylessClients.secureChannel(bootstrap(agent, identity), "greeter");
        running.add(() -> ProxylessClients.close(channel));
        return channel;
    }

    private static GreeterGrpc.GreeterImplBase greeter() {
        return new GreeterGrpc.GreeterImplBase() {
            @Override
            public void sayHello(HelloRequest request, StreamObserver<HelloReply> replies) {
                replies.onNext(HelloReply.newBuilder().setMessage("Hello " + request.getName()).setCluster(CLUSTER).build());
                replies.onCompleted();
            }
        };
    }

    private static HelloReply call(ManagedChannel channel) {
        return GreeterGrpc.newBlockingStub(channel).withWaitForReady().withDeadlineAfter(20, TimeUnit.SECONDS)
                .sayHello(HelloRequest.newBuilder().setName("test").build());
    }
}

package dev.fedmesh.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fedmesh.agent.ClusterAgent;
import dev.fedmesh.agent.identity.WorkloadCertificateFiles;
import dev.fedmesh.agent.xds.ProxylessBootstrap;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.sample.v1.GreeterGrpc;
import dev.fedmesh.sample.v1.HelloReply;
import dev.fedmesh.sample.v1.HelloRequest;
import dev.fedmesh.testing.FreePort;
import dev.fedmesh.testing.xds.ProxylessClients;
import dev.fedmesh.testing.xds.ProxylessServers;
import dev.fedmesh.trust.x509.CertificateFingerprint;
import dev.fedmesh.trust.x509.Pem;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A root rotation started through the REST API while a workload in {@code east} calls one in
 * {@code west} over STRICT mTLS the whole time, on one long-lived connection and on a new
 * connection (a new TLS handshake) for each call: the rotation goes through every stage to done,
 * every workload ends up with an SVID under the new root and a bundle holding only it, and not one
 * call fails. Everything is real: the API, PostgreSQL, Kafka, the distributor with the built-in
 * CA, two agents and grpc-java xDS servers and clients reading the agents' certificate files.
 */
class RootRotationWithoutADroppedCallTest {

    private static final String TENANT = "acme";
    private static final String TRUST_DOMAIN = "acme.rotation.test";
    private static final Duration PATIENCE = Duration.ofSeconds(90);
    /** Above the 5 s at which grpc-java's file_watcher looks at the files again. */
    private static final Duration SETTLE = Duration.ofSeconds(8);

    @TempDir
    Path dir;

    private StackUnderTest under;

    @AfterEach
    void stopEverything() throws Exception {
        if (under != null) {
            under.close();
        }
    }

    @Test
    void aRootRotationThroughTheApiDropsNoCallBetweenClusters() throws Exception {
        Path state = dir.resolve("fedmesh");
        under = StackUnderTest.start(getClass(), state, SETTLE);
        FedmeshStack stack = under.stack;
        ApiClient api = under.api;
        api.expectOk(api.post("/api/v1/tenants", "{\"name\": \"" + TENANT + "\", \"trustDomain\": \"" + TRUST_DOMAIN + "\"}"),
                "creating the tenant");
        Map<String, String> credentials = new LinkedHashMap<>();
        for (String cluster : List.of("east", "west")) {
            credentials.put(cluster, json(api.expectOk(api.post("/api/v1/tenants/" + TENANT + "/clusters",
                    "{\"name\": \"" + cluster + "\"}"), "registering " + cluster)).path("bootstrapCredential").asText());
        }
        for (String service : List.of("greeter", "frontend")) {
            api.expectOk(api.put("/api/v1/tenants/" + TENANT + "/services/" + service, "{}"), "declaring " + service);
        }
        int greeterPort = FreePort.find();
        ClusterAgent east = stack.startAgent(TENANT, "east", credentials.get("east"));
        ClusterAgent west = stack.startAgent(TENANT, "west", credentials.get("west"));
        west.inventory().register(new ServiceEndpoint("greeter", "127.0.0.1", greeterPort, Map.of()));
        east.inventory().register(new ServiceEndpoint("frontend", "127.0.0.1", FreePort.find(), Map.of()));
        east.inventory().register(new ServiceEndpoint("greeter", "127.0.0.1", greeterPort, Map.of()));
        WorkloadCertificateFiles greeterFiles = west.workloadFiles("default", "greeter");
        WorkloadCertificateFiles frontendFiles = east.workloadFiles("default", "frontend");
        Await.within(PATIENCE, () -> Files.exists(greeterFiles.certificateFile()) && Files.exists(frontendFiles.certificateFile()),
                "the SVID files of west/greeter and east/frontend");
        X509Certificate oldRoot = onlyRootIn(greeterFiles);

        long strict = json(api.expectOk(api.put("/api/v1/tenants/" + TENANT + "/policies/mesh-strict", """
                {"kind": "MtlsMode", "target": {"mesh": true}, "spec": {"mode": "STRICT"}}"""), "applying STRICT mTLS"))
                .path("resourceVersion").asLong();
        Await.within(PATIENCE, () -> east.appliedRevision() >= strict && west.appliedRevision() >= strict,
                "both agents to apply revision " + strict);
        Server server = ProxylessServers.start(ProxylessBootstrap.of("127.0.0.1:" + west.xdsPort(), "west/greeter",
                greeterFiles), greeterPort, greeter());
        under.stopAtEnd(() -> ProxylessServers.stop(server));
        Map<String, ?> frontendBootstrap = ProxylessBootstrap.of("127.0.0.1:" + east.xdsPort(), "east/frontend", frontendFiles);
        ManagedChannel longLived = ProxylessClients.secureChannel(frontendBootstrap, "greeter");
        under.stopAtEnd(() -> ProxylessClients.close(longLived));
        assertThat(firstCall(longLived).getCluster()).isEqualTo("west");

        Callers callers = new Callers();
        callers.start("one connection", () -> longLived, false);
        callers.start("a new connection per call", () -> ProxylessClients.secureChannel(frontendBootstrap, "greeter"), true);
        under.stopAtEnd(callers::stop);

        // West's agent is down when the rotation starts: its workloads keep their files, and the
        // rotation must hold until west has the new root in its bundle.
        stack.stopAgent("west");
        ApiClient.Answer start = api.post("/api/v1/tenants/" + TENANT + "/trust/root-rotations", "{}");
        assertThat(start.status()).as("starting a root rotation: %s", start.body()).isEqualTo(202);
        JsonNode started = json(start);
        String rotation = "/api/v1/tenants/" + TENANT + "/trust/root-rotations/" + started.path("id").asText();
        List<String> stages = new ArrayList<>(List.of(started.path("stage").asText()));
        long startedAt = System.nanoTime();
        Await.within(PATIENCE, () -> stage(api, rotation).equals("bundle"), "the new root to join the bundles");
        Await.pause(SETTLE.multipliedBy(2));
        JsonNode held = json(api.expectOk(api.get(rotation), "reading the rotation"));
        assertThat(held.path("stage").asText()).as("the stage while west's agent is down").isEqualTo("bundle");
        assertThat(held.path("summary").path("waitingFor").toString()).contains("west");
        stages.add("bundle");
        ClusterAgent restarted = stack.restartAgent("west");
        restarted.inventory().register(new ServiceEndpoint("greeter", "127.0.0.1", greeterPort, Map.of()));
        Await.within(Duration.ofMinutes(4), () -> {
            String stage = stage(api, rotation);
            if (!stage.equals(stages.get(stages.size() - 1))) {
                stages.add(stage);
                System.out.printf("root rotation: %s after %d ms%n", stage, (System.nanoTime() - startedAt) / 1_000_000);
            }
            return stage.equals("done") || stage.equals("failed");
        }, "the rotation to finish; stages so far " + stages);
        // Handshakes go on after the old root left every bundle, for as long as workloads take to reload.
        Await.pause(SETTLE);
        callers.stop();

        assertThat(stages).as("the stages the rotation went through").containsExactly("requested", "bundle", "reissue",
                "retire", "done");
        System.out.println("calls during the rotation: " + callers.summary());
        assertThat(callers.failures).as("failed calls").isEmpty();
        assertThat(callers.succeeded("one connection")).isGreaterThan(100);
        assertThat(callers.succeeded("a new connection per call")).isGreaterThan(10);

        X509Certificate newRoot = onlyRootIn(greeterFiles);
        assertThat(newRoot).isNotEqualTo(oldRoot);
        assertThat(onlyRootIn(frontendFiles)).isEqualTo(newRoot);
        assertChainsTo(greeterFiles, newRoot);
        assertChainsTo(frontendFiles, newRoot);
        JsonNode done = json(api.expectOk(api.get(rotation), "reading the rotation"));
        assertThat(done.path("oldRootSha256").asText()).isEqualTo(CertificateFingerprint.sha256Hex(oldRoot));
        assertThat(done.path("newRootSha256").asText()).isEqualTo(CertificateFingerprint.sha256Hex(newRoot));

        ApiClient.Answer dropInUse = api.delete("/api/v1/tenants/" + TENANT + "/trust/roots/"
                + CertificateFingerprint.sha256Hex(newRoot));
        assertThat(dropInUse.status()).as("dropping the root every SVID chains to: %s", dropInUse.body()).isEqualTo(409);
        assertThat(dropInUse.body()).contains("root_in_use");
    }

    /** Calls west's greeter from east without pause on each of its threads, counting what succeeds and what fails. */
    private static final class Callers {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Map<String, AtomicLong> succeeded = new LinkedHashMap<>();
        private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        private final List<Thread> threads = new ArrayList<>();

        void start(String name, Supplier<ManagedChannel> channels, boolean closeEach) {
            AtomicLong count = new AtomicLong();
            succeeded.put(name, count);
            Thread thread = new Thread(() -> {
                while (running.get()) {
                    ManagedChannel channel = channels.get();
                    try {
                        call(channel);
                        count.incrementAndGet();
                    } catch (StatusRuntimeException e) {
                        if (running.get()) {
                            failures.add(name + ": " + e.getStatus());
                        }
                    } finally {
                        if (closeEach) {
                            ProxylessClients.close(channel);
                        }
                    }
                }
            }, "caller " + name);
            threads.add(thread);
            thread.start();
        }

        long succeeded(String name) {
            return succeeded.get(name).get();
        }

        String summary() {
            return succeeded + " succeeded, " + failures.size() + " failed";
        }

        void stop() throws InterruptedException {
            running.set(false);
            for (Thread thread : threads) {
                thread.join(TimeUnit.SECONDS.toMillis(30));
            }
        }
    }

    /** Waits for the channel to be ready: the first call, before any rotation. */
    private static HelloReply firstCall(ManagedChannel channel) {
        return GreeterGrpc.newBlockingStub(channel).withWaitForReady().withDeadlineAfter(20, TimeUnit.SECONDS)
                .sayHello(HelloRequest.newBuilder().setName("east").build());
    }

    /**
     * Fails as soon as the connection does: without waitForReady, a handshake refused by the peer
     * fails the call (UNAVAILABLE) instead of waiting for a later connection attempt to succeed.
     */
    private static HelloReply call(ManagedChannel channel) {
        return GreeterGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
                .sayHello(HelloRequest.newBuilder().setName("east").build());
    }

    private static X509Certificate onlyRootIn(WorkloadCertificateFiles files) throws Exception {
        List<X509Certificate> bundle = Pem.certificates(Files.readString(files.trustBundleFile()));
        assertThat(bundle).as("the trust bundle in %s", files.directory()).hasSize(1);
        return bundle.get(0);
    }

    private static void assertChainsTo(WorkloadCertificateFiles files, X509Certificate root) throws Exception {
        List<X509Certificate> chain = Pem.certificates(Files.readString(files.certificateFile()));
        PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
        parameters.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509").generateCertPath(chain),
                parameters);
    }

    private static String stage(ApiClient api, String rotation) {
        return json(api.expectOk(api.get(rotation), "reading the rotation")).path("stage").asText();
    }

    private static JsonNode json(ApiClient.Answer answer) {
        return PolicyJson.parse(answer.body());
    }

    private static GreeterGrpc.GreeterImplBase greeter() {
        return new GreeterGrpc.GreeterImplBase() {
            @Override
            public void sayHello(HelloRequest request, StreamObserver<HelloReply> replies) {
                replies.onNext(HelloReply.newBuilder().setMessage("Hello " + request.getName()).setCluster("west").build());
                replies.onCompleted();
            }
        };
    }
}

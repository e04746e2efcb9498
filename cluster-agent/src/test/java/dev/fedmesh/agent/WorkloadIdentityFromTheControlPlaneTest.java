package dev.fedmesh.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Timestamp;
import dev.fedmesh.agent.identity.WorkloadCertificateFiles;
import dev.fedmesh.agent.trust.BootstrapCredential;
import dev.fedmesh.agent.trust.TrustSettings;
import dev.fedmesh.agent.xds.ProxylessBootstrap;
import dev.fedmesh.api.v1.ClusterIntermediate;
import dev.fedmesh.api.v1.ClusterStatus;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.IntermediateRequest;
import dev.fedmesh.api.v1.MeshTrust;
import dev.fedmesh.api.v1.MtlsModeSpec;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.api.v1.Service;
import dev.fedmesh.api.v1.Target;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.testing.FreePort;
import dev.fedmesh.testing.TestResources;
import dev.fedmesh.testing.xds.ProxylessClients;
import dev.fedmesh.testing.xds.ProxylessServers;
import dev.fedmesh.trust.ca.BuiltInCertificateAuthority;
import dev.fedmesh.trust.issuance.IntermediateIssuer;
import dev.fedmesh.trust.issuance.IntermediateOwner;
import dev.fedmesh.trust.issuance.IssuedIntermediate;
import dev.fedmesh.trust.signing.ConfigSigningKey;
import dev.fedmesh.trust.spiffe.TrustDomain;
import dev.fedmesh.trust.x509.CertificateRequest;
import dev.fedmesh.trust.x509.CertificateUris;
import dev.fedmesh.trust.x509.Pem;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.util.BigIntegers;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's half of workload identity against a real Kafka broker: it asks for its intermediate in
 * its status reports, and once its desired config carries one, its workloads talk STRICT mTLS on
 * real proxyless gRPC with the SVIDs it writes, through an automatic intermediate rotation. The
 * control plane's half is played here by the trust-federation issuer it uses, over the real topics.
 */
class WorkloadIdentityFromTheControlPlaneTest {

    private static final String TENANT = "acme";
    private static final String CLUSTER = "east";
    private static final String GREETER = "greeter";
    private static final String CREDENTIAL = "bootstrap-credential-of-east";
    private static final TrustDomain DOMAIN = TrustDomain.of("acme.fedmesh.dev");
    // Short lives, so the test sees a rotation: asked for again at 2/3 (~30 s), SVIDs renewed every ~10 s.
    private static final Duration INTERMEDIATE_TTL = Duration.ofSeconds(45);
    private static final Duration SVID_TTL = Duration.ofSeconds(20);
    private static final Duration PATIENCE = Duration.ofSeconds(90);
    private static final ConfigSigningKey CONTROL_PLANE = ConfigSigningKey.generate();

    @TempDir
    Path dir;

    @AutoClose
    private final TestResources resources = new TestResources();

    @Test
    void theAgentGetsItsIntermediateThroughKafkaServesStrictMtlsWithItAndRotatesItWithoutAFailedCall() throws Exception {
        PlayedControlPlane played = PlayedControlPlane.start(getClass(), TENANT, CONTROL_PLANE, dir.resolve("ca"),
                INTERMEDIATE_TTL, PATIENCE, resources);
        ControlPlaneTopics topics = played.topics();
        BuiltInCertificateAuthority ca = played.ca();
        IntermediateIssuer controlPlane = played.issuer();
        IntermediateOwner owner = new IntermediateOwner(UUID.randomUUID(), CLUSTER, DOMAIN);
        String rootsPem = Pem.write(ca.roots(DOMAIN));
        Path stateDir = dir.resolve("agent-state");

        ClusterAgent agent = topics.startAgent(CLUSTER, stateDir,
                TrustSettings.DEFAULT.withBootstrapCredential(new BootstrapCredential(CREDENTIAL)).withSvidTtl(SVID_TTL));
        resources.add(agent);
        topics.publish(config(1, rootsPem));

        // The first request: a CSR for the trust domain, proved with the bootstrap credential.
        IntermediateRequest first = topics.awaitReport("an intermediate request proved by the bootstrap credential",
                report -> report.getIntermediateRequest().hasCredentialProof()).getIntermediateRequest();
        assertThat(first.getCredentialProof().toByteArray()).isEqualTo(hmac(CREDENTIAL, proofBytes(first)));
        CertificateRequest firstCsr = CertificateRequest.fromDer(first.getCsrDer().toByteArray());
        assertThat(firstCsr.uriSans()).containsExactly("spiffe://acme.fedmesh.dev");
        assertThat(firstCsr.requestedBasicConstraints().orElseThrow().isCA()).isTrue();
        Path keyFile = stateDir.resolve(TENANT).resolve(CLUSTER).resolve("intermediate-key.pem");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile))).isEqualTo("rw-------");
        assertThat(agent.intermediateNotAfter()).isEmpty();
        List<PrivateKey> intermediateKeys = new ArrayList<>();
        intermediateKeys.add(Pem.privateKey(Files.readString(keyFile)));

        IssuedIntermediate firstIntermediate = controlPlane.issue(owner, firstCsr);
        topics.publish(config(2, rootsPem, firstIntermediate));
        topics.awaitReport("no request and the intermediate's expiry", report -> !report.hasIntermediateRequest()
                && report.getIntermediateNotAfter().equals(timestamp(firstIntermediate)));

        Server server = serveGreeter(agent);
        WorkloadCertificateFiles greeterFiles = agent.workloadFiles("default", GREETER);
        WorkloadCertificateFiles frontendFiles = agent.workloadFiles("default", "frontend");
        assertValidSvid(greeterFiles, "spiffe://acme.fedmesh.dev/ns/default/sa/greeter", ca.roots(DOMAIN));
        assertValidSvid(frontendFiles, "spiffe://acme.fedmesh.dev/ns/default/sa/frontend", ca.roots(DOMAIN));
        assertThat(Files.readString(greeterFiles.trustBundleFile())).isEqualTo(rootsPem);
        ManagedChannel frontend = ProxylessClients.secureChannel(ProxylessBootstrap.of("localhost:" + agent.xdsPort(),
                "east/frontend", frontendFiles), GREETER);
        resources.add(() -> ProxylessClients.close(frontend));
        assertThat(call(frontend, 20)).isEqualTo(GREETER);

        try (BackToBackCalls traffic = new BackToBackCalls(frontend)) {
            // At 2/3 of its life the agent asks for the next intermediate, signing with the current one.
            IntermediateRequest renewal = topics.awaitReport("a renewal request", report ->
                    report.getIntermediateRequest().hasRenewalProof()).getIntermediateRequest();
            assertThat(renewal.getRenewalProof().getPublicKeySha256().toByteArray())
                    .isEqualTo(firstIntermediate.publicKeySha256());
            assertThat(verifies(firstIntermediate.signed().certificate().getPublicKey(), proofBytes(renewal),
                    renewal.getRenewalProof().getSignature().toByteArray())).isTrue();
            CertificateRequest nextCsr = CertificateRequest.fromDer(renewal.getCsrDer().toByteArray());
            assertThat(nextCsr.publicKeySha256()).isNotEqualTo(firstIntermediate.publicKeySha256());
            assertThat(Instant.now()).isBefore(firstIntermediate.signed().certificate().getNotAfter().toInstant());

            IssuedIntermediate next = controlPlane.issue(owner, nextCsr);
            topics.publish(config(3, rootsPem, firstIntermediate, next));
            topics.awaitReport("the next intermediate's expiry", report -> !report.hasIntermediateRequest()
                    && report.getIntermediateNotAfter().equals(timestamp(next)));
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile))).isEqualTo("rw-------");
            intermediateKeys.add(Pem.privateKey(Files.readString(keyFile)));
            assertThat(intermediateKeys.get(1).getEncoded()).isNotEqualTo(intermediateKeys.get(0).getEncoded());

            // Each workload's next SVID comes from the new intermediate; gRPC reads it within its refresh interval.
            awaitIssuedBy(greeterFiles, next);
            awaitIssuedBy(frontendFiles, next);
            long callsBefore = traffic.succeeded.get();
            long deadline = System.nanoTime() + Duration.ofSeconds(12).toNanos();
            while (System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(traffic.succeeded.get()).as("calls after the switch").isGreaterThan(callsBefore);
            assertThat(call(frontend, 5)).isEqualTo(GREETER);
            traffic.stop();
            System.out.printf("%d calls from frontend to greeter across the intermediate rotation, %d failed%n",
                    traffic.succeeded.get() + traffic.failures.size(), traffic.failures.size());
            assertThat(traffic.failures).as("failed calls across the rotation").isEmpty();
            assertThat(traffic.succeeded.get()).isGreaterThan(100);
        }

        assertNoReportCarriesAnIntermediateKeyOrTheCredential(topics, intermediateKeys);
        ProxylessServers.stop(server);
    }

    private Server serveGreeter(ClusterAgent agent) throws Exception {
        int port = FreePort.find();
        agent.inventory().register(new ServiceEndpoint(GREETER, "127.0.0.1", port, Map.of()));
        // The caller is a local workload too: registering it is what gives it an identity.
        agent.inventory().register(new ServiceEndpoint("frontend", "127.0.0.1", FreePort.find(), Map.of()));
        awaitFile(agent.workloadFiles("default", GREETER).certificateFile());
        awaitFile(agent.workloadFiles("default", "frontend").certificateFile());
        Server server = ProxylessServers.start(ProxylessBootstrap.of("localhost:" + agent.xdsPort(), "east/" + GREETER,
                        agent.workloadFiles("default", GREETER)), port,
                new SimpleServiceGrpc.SimpleServiceImplBase() {
                    @Override
                    public void unaryRpc(SimpleRequest request, StreamObserver<SimpleResponse> response) {
                        response.onNext(SimpleResponse.newBuilder().setResponseMessage(GREETER).build());
                        response.onCompleted();
                    }
                });
        resources.add(() -> ProxylessServers.stop(server));
        return server;
    }

    /** Calls greeter back to back on its own thread, keeping every failure. */
    private static final class BackToBackCalls implements AutoCloseable {
        final AtomicLong succeeded = new AtomicLong();
        final List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        BackToBackCalls(ManagedChannel channel) {
            thread = new Thread(() -> {
                while (running.get()) {
                    try {
                        call(channel, 5);
                        succeeded.incrementAndGet();
                    } catch (StatusRuntimeException e) {
                        failures.add(Instant.now() + " " + e.getStatus());
                    }
                }
            }, "greeter-traffic");
            thread.start();
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join(10_000);
        }

        @Override
        public void close() throws InterruptedException {
            stop();
        }
    }

    private static String call(ManagedChannel channel, int seconds) {
        return SimpleServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(seconds, TimeUnit.SECONDS)
                .unaryRpc(SimpleRequest.getDefaultInstance())
                .getResponseMessage();
    }

    private static void assertValidSvid(WorkloadCertificateFiles files, String spiffeId, List<X509Certificate> roots)
            throws Exception {
        List<X509Certificate> chain = Pem.certificates(Files.readString(files.certificateFile()));
        assertThat(CertificateUris.of(chain.get(0))).containsExactly(spiffeId);
        PKIXParameters parameters = new PKIXParameters(new HashSet<>(roots.stream()
                .map(root -> new TrustAnchor(root, null)).toList()));
        parameters.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509").generateCertPath(chain),
                parameters);
        PrivateKey key = Pem.privateKey(Files.readString(files.privateKeyFile()));
        assertThat(verifies(chain.get(0).getPublicKey(), new byte[] {1}, sign(key, new byte[] {1}))).isTrue();
    }

    private static void awaitIssuedBy(WorkloadCertificateFiles files, IssuedIntermediate intermediate) throws Exception {
        X509Certificate issuer = intermediate.signed().certificate();
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            List<X509Certificate> chain = Pem.certificates(Files.readString(files.certificateFile()));
            if (chain.size() > 1 && chain.get(1).equals(issuer)) {
                chain.get(0).verify(issuer.getPublicKey());
                return;
            }
            assertThat(System.nanoTime()).as("an SVID from the new intermediate in %s", files.directory())
                    .isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private static void assertNoReportCarriesAnIntermediateKeyOrTheCredential(ControlPlaneTopics topics,
                                                                               List<PrivateKey> keys) throws Exception {
        topics.awaitReport("any later report", report -> true);
        List<byte[]> secrets = new ArrayList<>();
        for (PrivateKey key : keys) {
            secrets.add(key.getEncoded());
            secrets.add(BigIntegers.asUnsignedByteArray(32, ((ECPrivateKey) key).getS()));
        }
        secrets.add(CREDENTIAL.getBytes(StandardCharsets.UTF_8));
        assertThat(topics.reports()).isNotEmpty();
        for (ClusterStatus report : topics.reports()) {
            byte[] bytes = report.toByteArray();
            for (byte[] secret : secrets) {
                assertThat(indexOf(bytes, secret)).as("a secret in report %s", report.getHeartbeatSequence()).isEqualTo(-1);
            }
        }
    }

    private static byte[] proofBytes(IntermediateRequest request) {
        byte[] text = ("fedmesh-intermediate-request\n" + TENANT + "\n" + CLUSTER + "\n"
                + request.getRequestedAt().getSeconds() + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] csr = request.getCsrDer().toByteArray();
        byte[] bytes = Arrays.copyOf(text, text.length + csr.length);
        System.arraycopy(csr, 0, bytes, text.length, csr.length);
        return bytes;
    }

    private static byte[] hmac(String credential, byte[] bytes) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(MessageDigest.getInstance("SHA-256")
                .digest(credential.getBytes(StandardCharsets.UTF_8)), "HmacSHA256"));
        return mac.doFinal(bytes);
    }

    private static boolean verifies(PublicKey key, byte[] bytes, byte[] signatureBytes) throws Exception {
        Signature signature = Signature.getInstance("SHA256withECDSA");
        signature.initVerify(key);
        signature.update(bytes);
        return signature.verify(signatureBytes);
    }

    private static byte[] sign(PrivateKey key, byte[] bytes) throws Exception {
        Signature signature = Signature.getInstance("SHA256withECDSA");
        signature.initSign(key);
        signature.update(bytes);
        return signature.sign();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static Timestamp timestamp(IssuedIntermediate intermediate) {
        return Timestamp.newBuilder()
                .setSeconds(intermediate.signed().certificate().getNotAfter().toInstant().getEpochSecond()).build();
    }

    private static DesiredConfig config(long revision, String rootsPem, IssuedIntermediate... intermediates) {
        DesiredConfig.Builder config = DesiredConfig.newBuilder()
                .setTenant(TENANT)
                .setCluster(CLUSTER)
                .setRevision(revision)
                .addServices(Service.newBuilder().setName(GREETER))
                .addPolicies(Policy.newBuilder().setKind("MtlsMode").setName("mesh-strict")
                        .setTarget(Target.newBuilder().setMesh(true))
                        .setMtlsMode(MtlsModeSpec.newBuilder().setMode(MtlsModeSpec.Mode.MODE_STRICT)))
                .setTrust(MeshTrust.newBuilder().setTrustDomain(DOMAIN.name()).addRootCertificatesPem(rootsPem));
        for (IssuedIntermediate intermediate : intermediates) {
            config.addIntermediates(ClusterIntermediate.newBuilder()
                    .setPublicKeySha256(com.google.protobuf.ByteString.copyFrom(intermediate.publicKeySha256()))
                    .setChainPem(intermediate.signed().chainPem())
                    .setNotAfter(timestamp(intermediate)));
        }
        return config.build();
    }

    private static void awaitFile(Path file) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!Files.exists(file)) {
            assertThat(System.nanoTime()).as("%s written", file).isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}

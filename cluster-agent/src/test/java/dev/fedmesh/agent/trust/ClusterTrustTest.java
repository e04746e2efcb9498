package dev.fedmesh.agent.trust;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.fedmesh.agent.identity.WorkloadCertificateFiles;
import dev.fedmesh.api.v1.ClusterIntermediate;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.IntermediateRequest;
import dev.fedmesh.api.v1.MeshTrust;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.trust.ca.BuiltInCertificateAuthority;
import dev.fedmesh.trust.issuance.InMemoryIssuedIntermediates;
import dev.fedmesh.trust.issuance.IntermediateIssuer;
import dev.fedmesh.trust.issuance.IntermediateOwner;
import dev.fedmesh.trust.issuance.IntermediateTerms;
import dev.fedmesh.trust.issuance.IssuedIntermediate;
import dev.fedmesh.trust.spiffe.TrustDomain;
import dev.fedmesh.trust.x509.CertificateFingerprint;
import dev.fedmesh.trust.x509.CertificateRequest;
import dev.fedmesh.trust.x509.IntermediateCertificate;
import dev.fedmesh.trust.x509.KeyType;
import dev.fedmesh.trust.x509.Pem;
import dev.fedmesh.trust.x509.RootCertificate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a cluster's workloads get from its agent's trust when the bundle or the signing root changes:
 * the files (and the material served from memory) at once, and the root reported once every SVID is
 * from the intermediate under it. Real keys, a real CA and real files; checks run when a config is
 * applied or the endpoints change, as in the agent.
 */
class ClusterTrustTest {

    private static final TrustDomain DOMAIN = TrustDomain.of("acme.fedmesh.dev");
    private static final Duration SVID_TTL = Duration.ofHours(1);

    @TempDir
    Path dir;
    private IntermediateIssuer controlPlane;
    private IntermediateOwner owner;
    private X509Certificate oldRoot;
    private ClusterIntermediate first;
    private final KeyPair newRootKeys = KeyType.EC_P256.generate();
    private final X509Certificate newRoot = RootCertificate.selfSigned(newRootKeys, DOMAIN, Instant.now(), Duration.ofDays(365));
    private final BlockingQueue<String> written = new LinkedBlockingQueue<>();
    private final BlockingQueue<AgentSvid> agentSvids = new LinkedBlockingQueue<>();
    private AgentSvid firstAgentSvid;
    private ClusterTrust trust;

    @BeforeEach
    void agentHoldingItsFirstIntermediate() throws Exception {
        BuiltInCertificateAuthority ca = BuiltInCertificateAuthority.open(dir.resolve("ca"), Clock.systemUTC());
        controlPlane = new IntermediateIssuer(ca, new InMemoryIssuedIntermediates(), (o, key, refusal) -> { },
                new IntermediateTerms(Duration.ofHours(3), 0), Clock.systemUTC());
        owner = new IntermediateOwner(UUID.randomUUID(), "east", DOMAIN);
        oldRoot = ca.roots(DOMAIN).get(0);
        List<ServiceEndpoint> endpoints = List.of(new ServiceEndpoint("greeter", "127.0.0.1", 8080, Map.of()),
                new ServiceEndpoint("frontend", "127.0.0.1", 8081, Map.of()));
        trust = new ClusterTrust("acme", "east", new IntermediateRotation("acme", "east",
                new IntermediateKeyFiles(dir.resolve("agent")), Optional.of(new BootstrapCredential("fmb_east"))),
                new WorkloadSvids(dir.resolve("agent").resolve("workloads")), () -> endpoints, SVID_TTL, () -> { },
                Clock.systemUTC());
        trust.onIdentitiesWritten(() -> written.add("written"));
        trust.onAgentSvid(agentSvids::add);

        trust.configApplied(config(List.of(oldRoot), "", List.of()));
        first = intermediate(controlPlane.issue(owner, csrOf(trust.request().orElseThrow())));
        trust.configApplied(config(List.of(oldRoot), "", List.of(first)));
        awaitWrite();
        assertThat(trust.svidRootSha256()).contains(CertificateFingerprint.sha256Hex(oldRoot));
        firstAgentSvid = awaitAgentSvid();
        assertThat(firstAgentSvid.id().toString()).isEqualTo("spiffe://acme.fedmesh.dev/fedmesh/agent/east");
        assertThat(firstAgentSvid.bundle()).containsExactly(oldRoot);
        assertThat(firstAgentSvid.chain().get(1)).as("issued from the cluster's intermediate")
                .isEqualTo(Pem.certificates(first.getChainPem()).get(0));
    }

    @AfterEach
    void close() {
        trust.close();
    }

    @Test
    void aNewBundleRewritesEveryWorkloadsFilesAtOnceWithTheSameSvid() throws Exception {
        WorkloadIdentityMaterial before = trust.material("default", "greeter").orElseThrow();

        trust.configApplied(config(List.of(oldRoot, newRoot), CertificateFingerprint.sha256Hex(oldRoot), List.of(first)));
        awaitWrite();

        for (String service : List.of("greeter", "frontend")) {
            WorkloadCertificateFiles files = files(service);
            WorkloadIdentityMaterial material = trust.material("default", service).orElseThrow();
            assertThat(Files.readString(files.trustBundleFile())).isEqualTo(Pem.write(List.of(oldRoot, newRoot)));
            assertThat(material.trustBundlePem()).isEqualTo(Pem.write(List.of(oldRoot, newRoot)));
            assertThat(material.certificateChainPem()).isEqualTo(Files.readString(files.certificateFile()));
            assertThat(material.privateKeyPem()).isEqualTo(Files.readString(files.privateKeyFile()));
        }
        WorkloadIdentityMaterial after = trust.material("default", "greeter").orElseThrow();
        assertThat(after.certificateChainPem()).as("the same SVID").isEqualTo(before.certificateChainPem());
        assertThat(after.notAfter()).isEqualTo(before.notAfter());
        assertThat(trust.request()).as("the signing root is the one the intermediate chains to").isEmpty();
        assertThat(trust.svidRootSha256()).contains(CertificateFingerprint.sha256Hex(oldRoot));
        AgentSvid agent = awaitAgentSvid();
        assertThat(agent.bundle()).containsExactly(oldRoot, newRoot);
        assertThat(agent.chain()).as("the agent's same SVID").isEqualTo(firstAgentSvid.chain());
    }

    @Test
    void theNewRootIsReportedOnlyOnceEveryWorkloadHasAnSvidFromTheIntermediateUnderIt() throws Exception {
        String newRootSha256 = CertificateFingerprint.sha256Hex(newRoot);
        trust.configApplied(config(List.of(oldRoot, newRoot), newRootSha256, List.of(first)));
        awaitWrite();
        IntermediateRequest renewal = trust.request().orElseThrow();
        assertThat(renewal.hasRenewalProof()).as("asked at once, long before two thirds of the intermediate's life").isTrue();

        // frontend's files cannot be written for now, so only greeter gets an SVID under the new root.
        deleteRecursively(files("frontend").directory());
        Files.writeString(files("frontend").directory(), "in the way");
        X509Certificate underNewRoot = IntermediateCertificate.fromRequest(csrOf(renewal), DOMAIN, Instant.now(),
                Duration.ofHours(3), 0, newRoot, newRootKeys.getPrivate());
        trust.configApplied(config(List.of(oldRoot, newRoot), newRootSha256, List.of(first,
                ClusterIntermediate.newBuilder()
                        .setPublicKeySha256(ByteString.copyFrom(csrOf(renewal).publicKeySha256()))
                        .setChainPem(Pem.write(List.of(underNewRoot, newRoot))).build())));
        awaitWrite();

        assertThat(issuerOf(Files.readString(files("greeter").certificateFile()))).isEqualTo(underNewRoot);
        assertThat(issuerOf(trust.material("default", "frontend").orElseThrow().certificateChainPem()))
                .isNotEqualTo(underNewRoot);
        assertThat(trust.svidRootSha256()).as("frontend's SVID is still from the old intermediate").isEmpty();

        Files.delete(files("frontend").directory());
        trust.endpointsChanged();
        awaitWrite();

        assertThat(issuerOf(Files.readString(files("frontend").certificateFile()))).isEqualTo(underNewRoot);
        assertThat(issuerOf(trust.material("default", "frontend").orElseThrow().certificateChainPem()))
                .isEqualTo(underNewRoot);
        assertThat(trust.svidRootSha256()).contains(newRootSha256);
        assertThat(trust.request()).isEmpty();
        AgentSvid agent = agentSvids.stream().reduce((a, b) -> b).orElseThrow();
        assertThat(agent.chain().get(1)).as("the agent's SVID, under the new root too").isEqualTo(underNewRoot);
    }

    private AgentSvid awaitAgentSvid() throws InterruptedException {
        AgentSvid svid = agentSvids.poll(30, TimeUnit.SECONDS);
        assertThat(svid).as("the agent's SVID").isNotNull();
        return svid;
    }

    private void awaitWrite() throws InterruptedException {
        assertThat(written.poll(30, TimeUnit.SECONDS)).as("workload files written").isNotNull();
    }

    private WorkloadCertificateFiles files(String service) {
        return new WorkloadSvids(dir.resolve("agent").resolve("workloads")).files("default", service);
    }

    private static X509Certificate issuerOf(String chainPem) {
        return Pem.certificates(chainPem).get(1);
    }

    private static CertificateRequest csrOf(IntermediateRequest request) {
        return CertificateRequest.fromDer(request.getCsrDer().toByteArray());
    }

    private static ClusterIntermediate intermediate(IssuedIntermediate issued) {
        return ClusterIntermediate.newBuilder()
                .setPublicKeySha256(ByteString.copyFrom(issued.publicKeySha256()))
                .setChainPem(issued.signed().chainPem())
                .build();
    }

    private static DesiredConfig config(List<X509Certificate> roots, String signingRootSha256,
                                        List<ClusterIntermediate> intermediates) {
        return DesiredConfig.newBuilder().setTenant("acme").setCluster("east").setRevision(1)
                .setTrust(MeshTrust.newBuilder().setTrustDomain(DOMAIN.name())
                        .addRootCertificatesPem(Pem.write(roots))
                        .setSigningRootSha256(ByteString.copyFrom(HexFormat.of().parseHex(signingRootSha256))))
                .addAllIntermediates(intermediates)
                .build();
    }

    private static void deleteRecursively(Path directory) throws Exception {
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}

package dev.fedmesh.agent.sds;

import com.google.protobuf.ByteString;
import dev.fedmesh.agent.inventory.LocalInventory;
import dev.fedmesh.agent.trust.BootstrapCredential;
import dev.fedmesh.agent.trust.ClusterTrust;
import dev.fedmesh.agent.trust.IntermediateKeyFiles;
import dev.fedmesh.agent.trust.IntermediateRotation;
import dev.fedmesh.agent.trust.WorkloadSvids;
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
import dev.fedmesh.trust.x509.Pem;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * One cluster's workload identities as its agent keeps them, from a real built-in CA: the agent's
 * trust asks for its intermediate, the CA signs the CSR as the control plane would, and the desired
 * config hands it back with the roots; root rotation steps are played the same way. SDS is wired to
 * it the way the agent wires it.
 */
final class OneClustersIdentities implements AutoCloseable {

    static final String TENANT = "acme";
    static final String CLUSTER = "east";
    static final TrustDomain DOMAIN = TrustDomain.of("acme.fedmesh.dev");

    final BuiltInCertificateAuthority ca;
    final LocalInventory inventory = new LocalInventory();
    final ClusterTrust trust;
    final SecretPublisher secrets;
    private final List<ClusterIntermediate> intermediates = new ArrayList<>();
    private List<X509Certificate> roots;
    private String signingRootSha256 = "";
    private long revision;

    OneClustersIdentities(Path directory, Duration svidTtl) {
        ca = BuiltInCertificateAuthority.open(directory.resolve("ca"), Clock.systemUTC());
        Path state = directory.resolve("agent").resolve(TENANT).resolve(CLUSTER);
        trust = new ClusterTrust(TENANT, CLUSTER, new IntermediateRotation(TENANT, CLUSTER,
                new IntermediateKeyFiles(state), Optional.of(new BootstrapCredential("credential-of-east"))),
                new WorkloadSvids(state.resolve("workloads")), inventory::endpoints, svidTtl, () -> { },
                Clock.systemUTC());
        secrets = new SecretPublisher(new LocalWorkloads(inventory::endpoints, trust::material), Clock.systemUTC());
        trust.onIdentitiesWritten(secrets::refresh);
        inventory.addListener((endpoints, generation) -> {
            trust.endpointsChanged();
            secrets.refresh();
        });

        roots = ca.roots(DOMAIN);
        apply();
        IntermediateIssuer controlPlane = new IntermediateIssuer(ca, new InMemoryIssuedIntermediates(),
                (owner, key, refusal) -> { }, new IntermediateTerms(Duration.ofDays(1), 0), Clock.systemUTC());
        IssuedIntermediate issued = controlPlane.issue(new IntermediateOwner(UUID.randomUUID(), CLUSTER, DOMAIN),
                csrOf(trust.request().orElseThrow()));
        intermediates.add(ClusterIntermediate.newBuilder()
                .setPublicKeySha256(ByteString.copyFrom(issued.publicKeySha256()))
                .setChainPem(issued.signed().chainPem())
                .build());
        apply();
        trust.start(Duration.ofMillis(100));
    }

    /** Registers a local endpoint of {@code service}, which gives it an identity. */
    void register(String service, Map<String, String> labels) {
        inventory.register(new ServiceEndpoint(service, "127.0.0.1", 8080 + (int) revision, labels));
    }

    /** Applies a desired config naming {@code bundle} as the trust bundle: a root rotation's first step. */
    void applyRoots(List<X509Certificate> bundle) {
        roots = List.copyOf(bundle);
        apply();
    }

    /**
     * Plays a root rotation's signing step as the control plane does: the config names {@code newRoot}
     * (already in the bundle) as the signing root, the agent asks for an intermediate at once, and
     * the next config carries one under that root; returns it.
     */
    X509Certificate signUnder(X509Certificate newRoot, KeyPair newRootKeys) throws InterruptedException {
        signingRootSha256 = CertificateFingerprint.sha256Hex(newRoot);
        apply();
        Optional<IntermediateRequest> renewal = trust.request().filter(IntermediateRequest::hasRenewalProof);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (renewal.isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no renewal request 30 s after the config named another signing root");
            }
            Thread.sleep(50);
            renewal = trust.request().filter(IntermediateRequest::hasRenewalProof);
        }
        CertificateRequest csr = csrOf(renewal.get());
        X509Certificate underNewRoot = IntermediateCertificate.fromRequest(csr, DOMAIN, Instant.now(),
                Duration.ofDays(1), 0, newRoot, newRootKeys.getPrivate());
        intermediates.add(ClusterIntermediate.newBuilder()
                .setPublicKeySha256(ByteString.copyFrom(csr.publicKeySha256()))
                .setChainPem(Pem.write(List.of(underNewRoot, newRoot)))
                .build());
        apply();
        return underNewRoot;
    }

    private void apply() {
        revision++;
        MeshTrust.Builder meshTrust = MeshTrust.newBuilder().setTrustDomain(DOMAIN.name())
                .setSigningRootSha256(ByteString.copyFrom(HexFormat.of().parseHex(signingRootSha256)));
        roots.forEach(root -> meshTrust.addRootCertificatesPem(Pem.write(root)));
        trust.configApplied(DesiredConfig.newBuilder().setTenant(TENANT).setCluster(CLUSTER)
                .setRevision(revision).setTrust(meshTrust).addAllIntermediates(intermediates).build());
    }

    private static CertificateRequest csrOf(IntermediateRequest request) {
        return CertificateRequest.fromDer(request.getCsrDer().toByteArray());
    }

    /** The CA's roots (the first bundle). */
    List<X509Certificate> roots() {
        return new ArrayList<>(ca.roots(DOMAIN));
    }

    @Override
    public void close() {
        trust.close();
        secrets.close();
    }
}

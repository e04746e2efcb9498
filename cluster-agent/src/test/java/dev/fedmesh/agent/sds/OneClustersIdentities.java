package dev.fedmesh.agent.sds;

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
import dev.fedmesh.trust.x509.CertificateRequest;
import dev.fedmesh.trust.x509.Pem;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * One cluster's workload identities as its agent keeps them, from a real built-in CA: the agent's
 * trust asks for its intermediate, the CA signs the CSR as the control plane would, and the desired
 * config hands it back with the roots. SDS is wired to it the way the agent wires it.
 */
final class OneClustersIdentities implements AutoCloseable {

    static final String TENANT = "acme";
    static final String CLUSTER = "east";
    static final TrustDomain DOMAIN = TrustDomain.of("acme.fedmesh.dev");

    final BuiltInCertificateAuthority ca;
    final LocalInventory inventory = new LocalInventory();
    final ClusterTrust trust;
    final SecretPublisher secrets;
    private IssuedIntermediate intermediate;
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

        trust.configApplied(config(ca.roots(DOMAIN)));
        IntermediateRequest request = trust.request().orElseThrow();
        IntermediateIssuer controlPlane = new IntermediateIssuer(ca, new InMemoryIssuedIntermediates(),
                (owner, key, refusal) -> { }, new IntermediateTerms(Duration.ofDays(1), 0), Clock.systemUTC());
        intermediate = controlPlane.issue(new IntermediateOwner(UUID.randomUUID(), CLUSTER, DOMAIN),
                CertificateRequest.fromDer(request.getCsrDer().toByteArray()));
        trust.configApplied(config(ca.roots(DOMAIN)));
        trust.start(Duration.ofMillis(100));
    }

    /** Registers a local endpoint of {@code service}, which gives it an identity. */
    void register(String service, Map<String, String> labels) {
        inventory.register(new ServiceEndpoint(service, "127.0.0.1", 8080 + (int) revision, labels));
    }

    /** A desired config naming {@code roots} as the trust bundle, with the cluster's intermediate once issued. */
    void applyRoots(List<X509Certificate> roots) {
        trust.configApplied(config(roots));
    }

    private DesiredConfig config(List<X509Certificate> roots) {
        revision++;
        MeshTrust.Builder meshTrust = MeshTrust.newBuilder().setTrustDomain(DOMAIN.name());
        roots.forEach(root -> meshTrust.addRootCertificatesPem(Pem.write(root)));
        DesiredConfig.Builder config = DesiredConfig.newBuilder().setTenant(TENANT).setCluster(CLUSTER)
                .setRevision(revision).setTrust(meshTrust);
        if (intermediate != null) {
            config.addIntermediates(ClusterIntermediate.newBuilder()
                    .setPublicKeySha256(com.google.protobuf.ByteString.copyFrom(intermediate.publicKeySha256()))
                    .setChainPem(intermediate.signed().chainPem()));
        }
        return config.build();
    }

    List<X509Certificate> roots() {
        return new ArrayList<>(ca.roots(DOMAIN));
    }

    @Override
    public void close() {
        trust.close();
        secrets.close();
    }
}

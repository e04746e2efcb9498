package dev.fedmesh.policy.compiler;

import com.google.protobuf.Timestamp;
import com.google.protobuf.ByteString;
import dev.fedmesh.api.v1.ClusterIntermediate;
import dev.fedmesh.api.v1.ClusterPeer;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.MeshTrust;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.api.v1.Service;
import dev.fedmesh.api.v1.ServiceSubset;
import dev.fedmesh.api.v1.Target;
import dev.fedmesh.policy.document.PolicyDocument;
import dev.fedmesh.policy.document.PolicyKind;
import dev.fedmesh.policy.document.PolicyKinds;
import dev.fedmesh.policy.document.ServiceSelector;

import java.util.Comparator;
import java.util.List;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Resolves a tenant's state into one desired config per cluster. A pure function: the same
 * state always gives the same configs, byte for byte, whatever order its lists come in.
 */
public final class DesiredConfigCompiler {
    private static final Comparator<PolicyDocument> POLICY_ORDER =
            Comparator.comparing(PolicyDocument::kind).thenComparing(PolicyDocument::name);
    private static final Comparator<IntermediateOfCluster> INTERMEDIATE_ORDER =
            Comparator.comparing(IntermediateOfCluster::notAfter)
                    .thenComparing(IntermediateOfCluster::publicKeySha256, ByteString.unsignedLexicographicalComparator());

    private DesiredConfigCompiler() {
    }

    /** One config per cluster of the tenant, keyed and ordered by cluster name. */
    public static SortedMap<String, DesiredConfig> compile(TenantState state) {
        List<Policy> policies = state.policies().stream()
                .sorted(POLICY_ORDER)
                .map(DesiredConfigCompiler::toWire)
                .toList();
        List<Service> services = servicesOf(state).stream()
                .map(name -> Service.newBuilder().setName(name).build())
                .toList();
        List<ClusterPeer> peers = state.clusters().stream()
                .sorted(Comparator.comparing(ClusterInfo::name))
                .map(DesiredConfigCompiler::toPeer)
                .toList();
        SortedMap<String, DesiredConfig> configs = new TreeMap<>();
        for (ClusterInfo cluster : state.clusters()) {
            DesiredConfig.Builder config = DesiredConfig.newBuilder()
                    .setTenant(state.tenant())
                    .setCluster(cluster.name())
                    .setRevision(state.revision())
                    .addAllServices(services)
                    .addAllPolicies(policies)
                    .addAllPeers(peers);
            if (!state.trust().trustDomain().isEmpty()) {
                config.setTrust(MeshTrust.newBuilder()
                        .setTrustDomain(state.trust().trustDomain())
                        .addAllRootCertificatesPem(state.trust().rootCertificatesPem())
                        .setSigningRootSha256(state.trust().signingRootSha256()));
            }
            state.intermediates().stream()
                    .filter(intermediate -> intermediate.cluster().equals(cluster.name()))
                    .sorted(INTERMEDIATE_ORDER)
                    .map(DesiredConfigCompiler::toWire)
                    .forEach(config::addIntermediates);
            configs.put(cluster.name(), config.build());
        }
        return configs;
    }

    /** Every cluster of the tenant as each of them sees it: where it runs, its network and its gateway. */
    private static ClusterPeer toPeer(ClusterInfo cluster) {
        return ClusterPeer.newBuilder()
                .setName(cluster.name())
                .setRegion(orEmpty(cluster.region()))
                .setZone(orEmpty(cluster.zone()))
                .setNetwork(orEmpty(cluster.network()))
                .setEastWestGateway(cluster.eastWestGateway())
                .build();
    }

    private static String orEmpty(String value) {
        return value == null ? "" : value;
    }

    private static ClusterIntermediate toWire(IntermediateOfCluster intermediate) {
        return ClusterIntermediate.newBuilder()
                .setPublicKeySha256(intermediate.publicKeySha256())
                .setChainPem(intermediate.chainPem())
                .setNotAfter(Timestamp.newBuilder()
                        .setSeconds(intermediate.notAfter().getEpochSecond())
                        .setNanos(intermediate.notAfter().getNano()))
                .build();
    }

    /** Declared services plus every service a policy targets. */
    private static SortedSet<String> servicesOf(TenantState state) {
        SortedSet<String> names = new TreeSet<>(state.services());
        for (PolicyDocument policy : state.policies()) {
            if (policy.target() instanceof dev.fedmesh.policy.document.Target.Service service) {
                names.add(service.selector().service());
            }
        }
        return names;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Policy toWire(PolicyDocument document) {
        Policy.Builder policy = Policy.newBuilder()
                .setKind(document.kind())
                .setName(document.name())
                .setTarget(toWire(document.target()));
        for (ServiceSelector source : document.from()) {
            policy.addFrom(toWire(source));
        }
        PolicyKind kind = PolicyKinds.find(document.kind())
                .orElseThrow(() -> new IllegalArgumentException("unknown policy kind " + document.kind()));
        kind.writeSpec(document.spec(), policy);
        return policy.build();
    }

    private static Target toWire(dev.fedmesh.policy.document.Target target) {
        if (target instanceof dev.fedmesh.policy.document.Target.Service service) {
            return Target.newBuilder().setService(toWire(service.selector())).build();
        }
        return Target.newBuilder().setMesh(true).build();
    }

    private static ServiceSubset toWire(ServiceSelector selector) {
        return ServiceSubset.newBuilder()
                .setService(selector.service())
                .putAllLabels(selector.subset())
                .build();
    }
}

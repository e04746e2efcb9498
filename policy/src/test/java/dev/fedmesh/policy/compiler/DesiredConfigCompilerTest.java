package dev.fedmesh.policy.compiler;

import com.google.protobuf.ByteString;
import com.google.protobuf.util.JsonFormat;
import dev.fedmesh.api.v1.ClusterPeer;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.policy.document.PolicyDocument;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.testing.ForAll;
import dev.fedmesh.policy.testing.Gen;
import dev.fedmesh.policy.testing.Golden;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;

import static org.assertj.core.api.Assertions.assertThat;

class DesiredConfigCompilerTest {
    private static final Path GOLDEN = Path.of("src/test/resources/testdata/compiler");
    private static final String ROOT_PEM = "-----BEGIN CERTIFICATE-----\nroot\n-----END CERTIFICATE-----\n";

    @Test
    void everyClusterGetsTheTenantsRouteAtTheTenantsRevision() throws IOException {
        SortedMap<String, DesiredConfig> configs = DesiredConfigCompiler.compile(sampleTenant(7));

        assertThat(configs).containsOnlyKeys("east", "west");
        assertThat(configs.get("east").getRevision()).isEqualTo(7);
        Golden.assertMatches(GOLDEN, "two-clusters-one-route.golden.json", JsonFormat.printer().print(configs.get("east")));
    }

    @Test
    void everyClusterSeesEveryClusterOfTheTenantItselfIncludedSortedByName() {
        SortedMap<String, DesiredConfig> configs = DesiredConfigCompiler.compile(sampleTenant(3));

        for (DesiredConfig config : configs.values()) {
            assertThat(config.getPeersList()).extracting(ClusterPeer::getName).containsExactly("east", "west");
            assertThat(config.getPeers(0)).isEqualTo(ClusterPeer.newBuilder().setName("east").setRegion("us-east1")
                    .setZone("b").setNetwork("net-1").setEastWestGateway("gw.east.example.com:15443").build());
            assertThat(config.getPeers(1).getEastWestGateway()).isEmpty();
        }
    }

    @Test
    void aClusterWithoutLocalityOrNetworkIsAPeerWithEmptyFields() {
        DesiredConfig only = DesiredConfigCompiler.compile(new TenantState("acme", 1,
                List.of(new ClusterInfo("edge", null, null, null, null, Map.of())), List.of(), List.of())).get("edge");

        assertThat(only.getPeersList()).containsExactly(ClusterPeer.newBuilder().setName("edge").build());
    }

    @Test
    void aServiceOnlyNamedByAPolicyIsStillInTheConfig() {
        DesiredConfig east = DesiredConfigCompiler.compile(sampleTenant(1)).get("east");

        assertThat(east.getServicesList()).extracting(s -> s.getName()).containsExactly("greeter", "inventory");
    }

    @Test
    void theEnvelopeDigestMatchesTheConfigBytes() {
        DesiredConfig east = DesiredConfigCompiler.compile(sampleTenant(1)).get("east");

        var envelope = DesiredConfigEnvelopes.seal(east);

        assertThat(envelope.getSha256().toByteArray())
                .isEqualTo(DesiredConfigEnvelopes.sha256(envelope.getConfig().toByteArray()));
    }

    @Test
    void everyClusterCarriesTheTenantsTrustDomainAndRoots() {
        SortedMap<String, DesiredConfig> configs = DesiredConfigCompiler.compile(sampleTenant(2));

        for (DesiredConfig config : configs.values()) {
            assertThat(config.getTrust().getTrustDomain()).isEqualTo("acme.fedmesh.dev");
            assertThat(config.getTrust().getRootCertificatesPemList()).containsExactly(ROOT_PEM);
            assertThat(config.getTrust().getSigningRootSha256()).isEmpty();
        }
    }

    @Test
    void duringARootRotationEveryClusterIsToldTheRootNewIntermediatesAreIssuedUnder() {
        byte[] sha256 = new byte[32];
        Arrays.fill(sha256, (byte) 7);
        ByteString newRoot = ByteString.copyFrom(sha256);
        TenantState sample = sampleTenant(2);
        TenantState rotating = new TenantState(sample.tenant(), sample.revision(), sample.clusters(), sample.services(),
                sample.policies(), new TenantTrust("acme.fedmesh.dev", List.of(ROOT_PEM, ROOT_PEM), newRoot),
                sample.intermediates());

        for (DesiredConfig config : DesiredConfigCompiler.compile(rotating).values()) {
            assertThat(config.getTrust().getRootCertificatesPemList()).hasSize(2);
            assertThat(config.getTrust().getSigningRootSha256()).isEqualTo(newRoot);
        }
    }

    @Test
    void eachClusterGetsOnlyItsOwnIntermediatesSortedByExpiry() {
        SortedMap<String, DesiredConfig> configs = DesiredConfigCompiler.compile(sampleTenant(2));

        assertThat(configs.get("east").getIntermediatesList())
                .extracting(intermediate -> intermediate.getChainPem())
                .containsExactly("east-old-chain", "east-new-chain");
        assertThat(configs.get("east").getIntermediates(0).getNotAfter().getSeconds())
                .isEqualTo(Instant.parse("2027-01-01T00:00:00Z").getEpochSecond());
        assertThat(configs.get("west").getIntermediatesList())
                .extracting(intermediate -> intermediate.getChainPem())
                .containsExactly("west-chain");
    }

    @Test
    void aStateWithoutTrustCompilesToConfigsWithoutTrust() {
        TenantState state = sampleTenant(2);
        DesiredConfig east = DesiredConfigCompiler.compile(new TenantState(state.tenant(), state.revision(),
                state.clusters(), state.services(), state.policies())).get("east");

        assertThat(east.hasTrust()).isFalse();
        assertThat(east.getIntermediatesList()).isEmpty();
    }

    @Test
    void theSameStateInAnyOrderCompilesToTheSameBytes() {
        record Case(long seed, int routes) {
        }
        Gen<Long> seeds = Gen.anyLong();
        Gen<Integer> routeCounts = Gen.integers(1, 30);

        ForAll.cases(50, random -> new Case(seeds.next(random), routeCounts.next(random)), c -> {
            TenantState ordered = tenantWithRoutes(c.routes());
            TenantState shuffled = shuffle(ordered, new Random(c.seed()));

            SortedMap<String, DesiredConfig> a = DesiredConfigCompiler.compile(ordered);
            SortedMap<String, DesiredConfig> b = DesiredConfigCompiler.compile(shuffled);

            assertThat(b.keySet()).isEqualTo(a.keySet());
            for (String cluster : a.keySet()) {
                assertThat(DesiredConfigEnvelopes.seal(b.get(cluster)))
                        .isEqualTo(DesiredConfigEnvelopes.seal(a.get(cluster)));
            }
        });
    }

    static TenantState sampleTenant(long revision) {
        return new TenantState("acme", revision,
                List.of(new ClusterInfo("west", "us-west1", "a", "net-1", Map.of()),
                        new ClusterInfo("east", "us-east1", "b", "net-1", "gw.east.example.com:15443",
                                Map.of("tier", "gold"))),
                List.of("inventory"),
                List.of(route("greeter-split", "greeter", 20, 80)),
                new TenantTrust("acme.fedmesh.dev", List.of(ROOT_PEM)),
                List.of(intermediate("east", 3, "east-new-chain", "2027-02-01T00:00:00Z"),
                        intermediate("west", 2, "west-chain", "2027-01-15T00:00:00Z"),
                        intermediate("east", 1, "east-old-chain", "2027-01-01T00:00:00Z")));
    }

    private static IntermediateOfCluster intermediate(String cluster, int key, String chainPem, String notAfter) {
        byte[] sha256 = new byte[32];
        Arrays.fill(sha256, (byte) key);
        return new IntermediateOfCluster(cluster, ByteString.copyFrom(sha256), chainPem, Instant.parse(notAfter));
    }

    private static TenantState tenantWithRoutes(int routes) {
        List<PolicyDocument> policies = new ArrayList<>();
        for (int i = 0; i < routes; i++) {
            policies.add(route("route-" + i, "svc-" + i, i % 101, 100 - i % 101));
        }
        List<ClusterInfo> clusters = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            clusters.add(new ClusterInfo("c" + i, "r", "z", "n", Map.of("k" + i, "v")));
        }
        List<IntermediateOfCluster> intermediates = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            intermediates.add(intermediate("c" + i, i + 1, "chain-" + i, "2027-01-0" + (5 - i) + "T00:00:00Z"));
            intermediates.add(intermediate("c" + i, i + 10, "chain-" + i + "-next", "2027-01-0" + (5 - i) + "T00:00:00Z"));
        }
        return new TenantState("acme", 3, clusters, List.of("a", "b", "c"), policies,
                new TenantTrust("acme.fedmesh.dev", List.of(ROOT_PEM)), intermediates);
    }

    private static TenantState shuffle(TenantState state, Random random) {
        List<ClusterInfo> clusters = new ArrayList<>(state.clusters());
        List<String> services = new ArrayList<>(state.services());
        List<PolicyDocument> policies = new ArrayList<>(state.policies());
        Collections.shuffle(clusters, random);
        Collections.shuffle(services, random);
        List<IntermediateOfCluster> intermediates = new ArrayList<>(state.intermediates());
        Collections.shuffle(policies, random);
        Collections.shuffle(intermediates, random);
        return new TenantState(state.tenant(), state.revision(), clusters, services, policies, state.trust(), intermediates);
    }

    private static PolicyDocument route(String name, String service, int v1, int v2) {
        return PolicyJson.read(PolicyJson.parse("""
                {"kind": "TrafficRoute", "name": "%s", "target": {"service": "%s"},
                 "spec": {"split": [{"subset": {"version": "v1", "track": "stable"}, "weight": %d},
                                    {"subset": {"version": "v2"}, "weight": %d}]}}
                """.formatted(name, service, v1, v2)), null);
    }
}

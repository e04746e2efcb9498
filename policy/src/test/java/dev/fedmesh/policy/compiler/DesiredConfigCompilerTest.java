package dev.fedmesh.policy.compiler;

import com.google.protobuf.util.JsonFormat;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.policy.document.PolicyDocument;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.testing.Golden;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;

import static org.assertj.core.api.Assertions.assertThat;

class DesiredConfigCompilerTest {
    private static final Path GOLDEN = Path.of("src/test/resources/testdata/compiler");

    @Test
    void everyClusterGetsTheTenantsRouteAtTheTenantsRevision() throws IOException {
        SortedMap<String, DesiredConfig> configs = DesiredConfigCompiler.compile(sampleTenant(7));

        assertThat(configs).containsOnlyKeys("east", "west");
        assertThat(configs.get("east").getRevision()).isEqualTo(7);
        Golden.assertMatches(GOLDEN, "two-clusters-one-route.golden.json", JsonFormat.printer().print(configs.get("east")));
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

    @Property(tries = 50)
    void theSameStateInAnyOrderCompilesToTheSameBytes(@ForAll long seed, @ForAll @IntRange(min = 1, max = 30) int routes) {
        TenantState ordered = tenantWithRoutes(routes);
        TenantState shuffled = shuffle(ordered, new Random(seed));

        SortedMap<String, DesiredConfig> a = DesiredConfigCompiler.compile(ordered);
        SortedMap<String, DesiredConfig> b = DesiredConfigCompiler.compile(shuffled);

        assertThat(b.keySet()).isEqualTo(a.keySet());
        for (String cluster : a.keySet()) {
            assertThat(DesiredConfigEnvelopes.seal(b.get(cluster)))
                    .isEqualTo(DesiredConfigEnvelopes.seal(a.get(cluster)));
        }
    }

    static TenantState sampleTenant(long revision) {
        return new TenantState("acme", revision,
                List.of(new ClusterInfo("west", "us-west1", "a", "net-1", Map.of()),
                        new ClusterInfo("east", "us-east1", "b", "net-1", Map.of("tier", "gold"))),
                List.of("inventory"),
                List.of(route("greeter-split", "greeter", 20, 80)));
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
        return new TenantState("acme", 3, clusters, List.of("a", "b", "c"), policies);
    }

    private static TenantState shuffle(TenantState state, Random random) {
        List<ClusterInfo> clusters = new ArrayList<>(state.clusters());
        List<String> services = new ArrayList<>(state.services());
        List<PolicyDocument> policies = new ArrayList<>(state.policies());
        Collections.shuffle(clusters, random);
        Collections.shuffle(services, random);
        Collections.shuffle(policies, random);
        return new TenantState(state.tenant(), state.revision(), clusters, services, policies);
    }

    private static PolicyDocument route(String name, String service, int v1, int v2) {
        return PolicyJson.read(PolicyJson.parse("""
                {"kind": "TrafficRoute", "name": "%s", "target": {"service": "%s"},
                 "spec": {"split": [{"subset": {"version": "v1", "track": "stable"}, "weight": %d},
                                    {"subset": {"version": "v2"}, "weight": %d}]}}
                """.formatted(name, service, v1, v2)), null);
    }
}

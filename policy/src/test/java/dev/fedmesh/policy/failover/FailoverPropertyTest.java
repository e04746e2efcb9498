package dev.fedmesh.policy.failover;

import dev.fedmesh.policy.document.PolicyDocument;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.failover.Failover.Step;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class FailoverRoundTripTest {
    private final FailoverKind kind = new FailoverKind();

    @Property(tries = 200)
    void everyValidFailoverReadsBackFromItsCanonicalJsonUnchanged(@ForAll("failovers") Failover failover) {
        PolicyDocument read = PolicyJson.read(PolicyJson.parse("""
                {"kind": "Failover", "name": "generated", "target": {"service": "greeter"}, "spec": %s}"""
                .formatted(PolicyJson.toText(kind.writeSpec(failover)))), null);

        assertThat(read.spec()).isEqualTo(failover);
        assertThat(kind.references(failover).clusters())
                .containsExactlyInAnyOrderElementsOf(failover.order().stream()
                        .filter(Step.Cluster.class::isInstance).map(step -> ((Step.Cluster) step).name()).distinct().toList());
    }

    @Provide
    Arbitrary<Failover> failovers() {
        Arbitrary<String> zone = Arbitraries.strings().withCharRange('a', 'z').numeric().withChars("-")
                .ofMinLength(1).ofMaxLength(10).filter(z -> !z.startsWith("-") && !z.endsWith("-")).injectNull(0.5);
        Arbitrary<List<Boolean>> kinds = Arbitraries.of(true, false).list().ofMinSize(1).ofMaxSize(FailoverKind.MAX_STEPS);
        Arbitrary<List<String>> zones = zone.list().ofSize(FailoverKind.MAX_STEPS);
        // Each step gets its own index in its name, so no step repeats or covers an earlier one.
        Arbitrary<List<Step>> order = Combinators.combine(kinds, zones).as((clusterAt, zoneAt) -> {
            List<Step> steps = new ArrayList<>();
            for (int i = 0; i < clusterAt.size(); i++) {
                steps.add(clusterAt.get(i) ? new Step.Cluster("cluster-" + i) : new Step.Locality("region-" + i, zoneAt.get(i)));
            }
            return steps;
        });
        return Combinators.combine(order, Arbitraries.integers().between(1, 100)).as(Failover::new);
    }
}

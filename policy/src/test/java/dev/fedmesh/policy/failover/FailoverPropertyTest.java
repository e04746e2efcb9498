package dev.fedmesh.policy.failover;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fedmesh.policy.document.InvalidDocumentException;
import dev.fedmesh.policy.document.PolicyDocument;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.document.Violation;
import dev.fedmesh.policy.failover.Failover.Step;
import dev.fedmesh.policy.testing.FieldPaths;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FailoverPropertyTest {
    private final FailoverKind kind = new FailoverKind();

    @Property(tries = 200)
    void everyValidFailoverReadsBackFromItsCanonicalJsonUnchanged(@ForAll("failovers") Failover failover) {
        PolicyDocument read = PolicyJson.read(document(failover), null);

        assertThat(read.spec()).isEqualTo(failover);
        assertThat(PolicyJson.writeSpec(read)).isEqualTo(kind.writeSpec(failover));
    }

    @Property(tries = 200)
    void everyClusterStepIsAReferenceNamedByItsField(@ForAll("failovers") Failover failover) {
        ObjectNode document = document(failover);
        var clusters = kind.references(failover).clustersByField();

        clusters.forEach((field, name) -> assertThat(document.at(FieldPaths.pointer(field)).textValue()).isEqualTo(name));
        assertThat(clusters).hasSize((int) failover.order().stream().filter(Step.Cluster.class::isInstance).count());
    }

    @Property(tries = 200)
    void anUnknownFieldAnywhereIsRefusedAtItsPath(@ForAll("failovers") Failover failover,
                                                 @ForAll @IntRange(min = 0, max = 10_000) int pick) {
        ObjectNode document = document(failover);
        String unexpected = FieldPaths.putUnexpectedField(document, pick);

        assertThatThrownBy(() -> PolicyJson.read(document, null))
                .isInstanceOfSatisfying(InvalidDocumentException.class, e -> assertThat(e.violations())
                        .extracting(Violation::field)
                        .containsExactly(unexpected));
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

    private ObjectNode document(Failover failover) {
        return (ObjectNode) PolicyJson.parse("""
                {"kind": "Failover", "name": "generated", "target": {"service": "greeter"}, "spec": %s}"""
                .formatted(PolicyJson.toText(kind.writeSpec(failover))));
    }
}

package dev.fedmesh.policy.failover;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fedmesh.policy.document.InvalidDocumentException;
import dev.fedmesh.policy.document.PolicyDocument;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.document.Violation;
import dev.fedmesh.policy.failover.Failover.Step;
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

        clusters.forEach((field, name) -> assertThat(document.at(pointer(field)).textValue()).isEqualTo(name));
        assertThat(clusters).hasSize((int) failover.order().stream().filter(Step.Cluster.class::isInstance).count());
    }

    @Property(tries = 200)
    void anUnknownFieldAnywhereIsRefusedAtItsPath(@ForAll("failovers") Failover failover,
                                                 @ForAll @IntRange(min = 0, max = 10_000) int pick) {
        ObjectNode document = document(failover);
        List<String> objects = new ArrayList<>();
        collectObjects(document.get("spec"), "spec", objects);
        String target = objects.get(pick % objects.size());
        ((ObjectNode) document.at(pointer(target))).put("unexpected", 1);

        assertThatThrownBy(() -> PolicyJson.read(document, null))
                .isInstanceOfSatisfying(InvalidDocumentException.class, e -> assertThat(e.violations())
                        .extracting(Violation::field)
                        .containsExactly(target + ".unexpected"));
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

    private static void collectObjects(JsonNode node, String path, List<String> paths) {
        if (node.isObject()) {
            paths.add(path);
            node.fields().forEachRemaining(field -> collectObjects(field.getValue(), path + "." + field.getKey(), paths));
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                collectObjects(node.get(i), path + "[" + i + "]", paths);
            }
        }
    }

    /** The JSON pointer of a field path as errors name it, e.g. spec.order[0].cluster is /spec/order/0/cluster. */
    private static String pointer(String field) {
        return "/" + field.replaceAll("\\[(\\d+)]", ".$1").replace('.', '/');
    }
}

package dev.fedmesh.policy.failover;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fedmesh.policy.document.InvalidDocumentException;
import dev.fedmesh.policy.document.PolicyDocument;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.document.Violation;
import dev.fedmesh.policy.failover.Failover.Step;
import dev.fedmesh.policy.testing.FieldPaths;
import dev.fedmesh.policy.testing.ForAll;
import dev.fedmesh.policy.testing.Gen;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FailoverPropertyTest {
    private final FailoverKind kind = new FailoverKind();

    @Test
    void everyValidFailoverReadsBackFromItsCanonicalJsonUnchanged() {
        ForAll.cases(200, failovers(), failover -> {
            PolicyDocument read = PolicyJson.read(document(failover), null);

            assertThat(read.spec()).isEqualTo(failover);
            assertThat(PolicyJson.writeSpec(read)).isEqualTo(kind.writeSpec(failover));
        });
    }

    @Test
    void everyClusterStepIsAReferenceNamedByItsField() {
        ForAll.cases(200, failovers(), failover -> {
            ObjectNode document = document(failover);
            var clusters = kind.references(failover).clustersByField();

            clusters.forEach((field, name) -> assertThat(document.at(FieldPaths.pointer(field)).textValue()).isEqualTo(name));
            assertThat(clusters).hasSize((int) failover.order().stream().filter(Step.Cluster.class::isInstance).count());
        });
    }

    @Test
    void anUnknownFieldAnywhereIsRefusedAtItsPath() {
        record Case(Failover failover, int pick) {
        }
        Gen<Failover> failovers = failovers();
        Gen<Integer> picks = Gen.integers(0, 10_000);

        ForAll.cases(200, random -> new Case(failovers.next(random), picks.next(random)), c -> {
            ObjectNode document = document(c.failover());
            String unexpected = FieldPaths.putUnexpectedField(document, c.pick());

            assertThatThrownBy(() -> PolicyJson.read(document, null))
                    .isInstanceOfSatisfying(InvalidDocumentException.class, e -> assertThat(e.violations())
                            .extracting(Violation::field)
                            .containsExactly(unexpected));
        });
    }

    private static Gen<Failover> failovers() {
        Gen<String> zone = Gen.strings("abcdefghijklmnopqrstuvwxyz0123456789-", 1, 10)
                .filter(z -> !z.startsWith("-") && !z.endsWith("-")).orNull(0.5);
        Gen<List<Boolean>> kinds = Gen.booleans().list(1, FailoverKind.MAX_STEPS);
        Gen<Integer> threshold = Gen.integers(1, 100);
        // Each step gets its own index in its name, so no step repeats or covers an earlier one.
        return random -> {
            List<Step> steps = new ArrayList<>();
            for (boolean cluster : kinds.next(random)) {
                int i = steps.size();
                steps.add(cluster ? new Step.Cluster("cluster-" + i) : new Step.Locality("region-" + i, zone.next(random)));
            }
            return new Failover(steps, threshold.next(random));
        };
    }

    private ObjectNode document(Failover failover) {
        return (ObjectNode) PolicyJson.parse("""
                {"kind": "Failover", "name": "generated", "target": {"service": "greeter"}, "spec": %s}"""
                .formatted(PolicyJson.toText(kind.writeSpec(failover))));
    }
}

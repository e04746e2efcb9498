package dev.fedmesh.policy.trafficpermission;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fedmesh.policy.document.InvalidDocumentException;
import dev.fedmesh.policy.document.PolicyDocument;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.document.References;
import dev.fedmesh.policy.document.Violation;
import dev.fedmesh.policy.testing.FieldPaths;
import dev.fedmesh.policy.trafficpermission.TrafficPermission.Action;
import dev.fedmesh.policy.trafficpermission.TrafficPermission.HttpMatch;
import dev.fedmesh.policy.trafficpermission.TrafficPermission.PathMatch;
import dev.fedmesh.policy.trafficpermission.TrafficPermission.Rule;
import dev.fedmesh.policy.trafficpermission.TrafficPermission.Source;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TrafficPermissionPropertyTest {
    private final TrafficPermissionKind kind = new TrafficPermissionKind();

    @Property(tries = 200)
    void everyValidPermissionReadsBackFromItsCanonicalJsonUnchanged(@ForAll("permissions") TrafficPermission permission) {
        PolicyDocument read = PolicyJson.read(document(permission), null);

        assertThat(read.spec()).isEqualTo(permission);
        assertThat(PolicyJson.writeSpec(read)).isEqualTo(kind.writeSpec(permission));
    }

    @Property(tries = 200)
    void everyReferenceNamesTheFieldThatHoldsIt(@ForAll("permissions") TrafficPermission permission) {
        ObjectNode document = document(permission);
        References references = kind.references(permission);

        for (Map<String, String> byField : List.of(references.clustersByField(), references.servicesByField())) {
            byField.forEach((field, name) -> assertThat(document.at(FieldPaths.pointer(field)).textValue()).isEqualTo(name));
        }
        long named = permission.rules().stream().flatMap(rule -> rule.sources().stream())
                .filter(source -> source instanceof Source.Cluster || source instanceof Source.Service)
                .count();
        assertThat(references.clustersByField().size() + references.servicesByField().size()).isEqualTo(named);
    }

    @Property(tries = 200)
    void anUnknownFieldAnywhereIsRefusedAtItsPath(@ForAll("permissions") TrafficPermission permission,
                                                 @ForAll @IntRange(min = 0, max = 10_000) int pick) {
        ObjectNode document = document(permission);
        String unexpected = FieldPaths.putUnexpectedField(document, pick);

        assertThatThrownBy(() -> PolicyJson.read(document, null))
                .isInstanceOfSatisfying(InvalidDocumentException.class, e -> assertThat(e.violations())
                        .extracting(Violation::field)
                        .containsExactly(unexpected));
    }

    @Property(tries = 50)
    void aDefaultWithoutRulesIsAValidMeshPermission(@ForAll Action meshDefault) {
        TrafficPermission permission = new TrafficPermission(meshDefault, List.of());

        assertThat(PolicyJson.read(document(permission), null).spec()).isEqualTo(permission);
    }

    @Provide
    Arbitrary<TrafficPermission> permissions() {
        Arbitrary<Action> meshDefault = Arbitraries.of(Action.class).injectNull(0.5);
        return Combinators.combine(meshDefault, rules().list().ofMinSize(1).ofMaxSize(5).uniqueElements())
                .as(TrafficPermission::new);
    }

    private Arbitrary<Rule> rules() {
        Arbitrary<HttpMatch> http = Combinators.combine(
                        Arbitraries.of(TrafficPermissionKind.METHODS).list().ofMaxSize(4).uniqueElements(),
                        paths().list().ofMaxSize(4).uniqueElements())
                .as(HttpMatch::new)
                .filter(match -> !match.methods().isEmpty() || !match.paths().isEmpty())
                .injectNull(0.3);
        return Combinators.combine(Arbitraries.of(Action.class), sources().list().ofMinSize(1).ofMaxSize(4).uniqueElements(), http)
                .as(Rule::new);
    }

    private Arbitrary<Source> sources() {
        Arbitrary<String> name = Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(12);
        Arbitrary<String> segment = Arbitraries.strings().withCharRange('a', 'z').numeric().withChars("._-")
                .ofMinLength(1).ofMaxLength(12).filter(s -> !s.equals(".") && !s.equals(".."));
        Arbitrary<Source> spiffeId = Combinators.combine(name, segment, segment)
                .as((domain, ns, sa) -> new Source.SpiffeId("spiffe://" + domain + ".example/ns/" + ns + "/sa/" + sa));
        return Arbitraries.oneOf(spiffeId,
                name.map(Source.Service::new), name.map(Source.Namespace::new), name.map(Source.Cluster::new));
    }

    private Arbitrary<PathMatch> paths() {
        Arbitrary<String> path = Arbitraries.strings().alpha().numeric().withChars("/-._~%")
                .ofMaxLength(30)
                .map(s -> "/" + s.replace("%", "%2F"));
        return Arbitraries.oneOf(path.map(PathMatch.Exact::new), path.map(PathMatch.Prefix::new));
    }

    /** A whole policy document holding the permission, on the mesh when it sets the mesh default. */
    private ObjectNode document(TrafficPermission permission) {
        ObjectNode document = JsonNodeFactory.instance.objectNode();
        document.put("kind", TrafficPermissionKind.NAME);
        document.put("name", "generated");
        if (permission.meshDefault() != null) {
            document.putObject("target").put("mesh", true);
        } else {
            document.putObject("target").put("service", "greeter");
        }
        document.set("spec", kind.writeSpec(permission));
        return document;
    }
}

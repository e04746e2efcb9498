package dev.fedmesh.policy.trafficpermission;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fedmesh.policy.document.InvalidDocumentException;
import dev.fedmesh.policy.document.PolicyDocument;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.document.References;
import dev.fedmesh.policy.document.Violation;
import dev.fedmesh.policy.testing.FieldPaths;
import dev.fedmesh.policy.testing.ForAll;
import dev.fedmesh.policy.testing.Gen;
import dev.fedmesh.policy.trafficpermission.TrafficPermission.Action;
import dev.fedmesh.policy.trafficpermission.TrafficPermission.HttpMatch;
import dev.fedmesh.policy.trafficpermission.TrafficPermission.PathMatch;
import dev.fedmesh.policy.trafficpermission.TrafficPermission.Rule;
import dev.fedmesh.policy.trafficpermission.TrafficPermission.Source;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TrafficPermissionPropertyTest {
    private final TrafficPermissionKind kind = new TrafficPermissionKind();

    @Test
    void everyValidPermissionReadsBackFromItsCanonicalJsonUnchanged() {
        ForAll.cases(200, permissions(), permission -> {
            PolicyDocument read = PolicyJson.read(document(permission), null);

            assertThat(read.spec()).isEqualTo(permission);
            assertThat(PolicyJson.writeSpec(read)).isEqualTo(kind.writeSpec(permission));
        });
    }

    @Test
    void everyReferenceNamesTheFieldThatHoldsIt() {
        ForAll.cases(200, permissions(), permission -> {
            ObjectNode document = document(permission);
            References references = kind.references(permission);

            for (Map<String, String> byField : List.of(references.clustersByField(), references.servicesByField())) {
                byField.forEach((field, name) -> assertThat(document.at(FieldPaths.pointer(field)).textValue()).isEqualTo(name));
            }
            long named = permission.rules().stream().flatMap(rule -> rule.sources().stream())
                    .filter(source -> source instanceof Source.Cluster || source instanceof Source.Service)
                    .count();
            assertThat(references.clustersByField().size() + references.servicesByField().size()).isEqualTo(named);
        });
    }

    @Test
    void anUnknownFieldAnywhereIsRefusedAtItsPath() {
        record Case(TrafficPermission permission, int pick) {
        }
        Gen<TrafficPermission> permissions = permissions();
        Gen<Integer> picks = Gen.integers(0, 10_000);

        ForAll.cases(200, random -> new Case(permissions.next(random), picks.next(random)), c -> {
            ObjectNode document = document(c.permission());
            String unexpected = FieldPaths.putUnexpectedField(document, c.pick());

            assertThatThrownBy(() -> PolicyJson.read(document, null))
                    .isInstanceOfSatisfying(InvalidDocumentException.class, e -> assertThat(e.violations())
                            .extracting(Violation::field)
                            .containsExactly(unexpected));
        });
    }

    @Test
    void aDefaultWithoutRulesIsAValidMeshPermission() {
        for (Action meshDefault : Action.values()) {
            TrafficPermission permission = new TrafficPermission(meshDefault, List.of());

            assertThat(PolicyJson.read(document(permission), null).spec()).isEqualTo(permission);
        }
    }

    private static Gen<TrafficPermission> permissions() {
        Gen<Action> meshDefault = Gen.of(Action.class).orNull(0.5);
        Gen<List<Rule>> rules = rules().uniqueList(1, 5);
        return random -> new TrafficPermission(meshDefault.next(random), rules.next(random));
    }

    private static Gen<Rule> rules() {
        Gen<List<String>> methods = Gen.of(TrafficPermissionKind.METHODS).uniqueList(0, 4);
        Gen<List<PathMatch>> paths = paths().uniqueList(0, 4);
        Gen<HttpMatch> http = ((Gen<HttpMatch>) random -> new HttpMatch(methods.next(random), paths.next(random)))
                .filter(match -> !match.methods().isEmpty() || !match.paths().isEmpty())
                .orNull(0.3);
        Gen<Action> action = Gen.of(Action.class);
        Gen<List<Source>> sources = sources().uniqueList(1, 4);
        return random -> new Rule(action.next(random), sources.next(random), http.next(random));
    }

    private static Gen<Source> sources() {
        Gen<String> name = Gen.strings("abcdefghijklmnopqrstuvwxyz", 1, 12);
        Gen<String> segment = Gen.strings("abcdefghijklmnopqrstuvwxyz0123456789._-", 1, 12)
                .filter(s -> !s.equals(".") && !s.equals(".."));
        Gen<Source> spiffeId = random -> new Source.SpiffeId(
                "spiffe://" + name.next(random) + ".example/ns/" + segment.next(random) + "/sa/" + segment.next(random));
        return Gen.oneOf(spiffeId, name.map(Source.Service::new), name.map(Source.Namespace::new), name.map(Source.Cluster::new));
    }

    private static Gen<PathMatch> paths() {
        Gen<String> path = Gen.strings("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-._~%", 0, 30)
                .map(s -> "/" + s.replace("%", "%2F"));
        return Gen.oneOf(path.map(PathMatch.Exact::new), path.map(PathMatch.Prefix::new));
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

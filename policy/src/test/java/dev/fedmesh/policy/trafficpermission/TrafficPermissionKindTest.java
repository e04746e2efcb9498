package dev.fedmesh.policy.trafficpermission;

import com.google.protobuf.util.JsonFormat;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.policy.compiler.ClusterInfo;
import dev.fedmesh.policy.compiler.DesiredConfigCompiler;
import dev.fedmesh.policy.compiler.TenantState;
import dev.fedmesh.policy.document.Names;
import dev.fedmesh.policy.document.PolicyDocument;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.document.Target;
import dev.fedmesh.policy.document.Violation;
import dev.fedmesh.policy.testing.Golden;
import dev.fedmesh.policy.trafficpermission.TrafficPermission.Action;
import dev.fedmesh.policy.trafficpermission.TrafficPermission.HttpMatch;
import dev.fedmesh.policy.trafficpermission.TrafficPermission.PathMatch;
import dev.fedmesh.policy.trafficpermission.TrafficPermission.Rule;
import dev.fedmesh.policy.trafficpermission.TrafficPermission.Source;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.fedmesh.policy.testing.PolicyDocuments.read;
import static dev.fedmesh.policy.testing.PolicyDocuments.violatedFields;
import static dev.fedmesh.policy.testing.PolicyDocuments.violations;
import static org.assertj.core.api.Assertions.assertThat;

class TrafficPermissionKindTest {
    private static final Path GOLDEN = Path.of("src/test/resources/testdata/trafficpermission");

    private static final String MESH_DEFAULT_DENY = """
            {"kind": "TrafficPermission", "name": "zero-trust", "target": {"mesh": true},
             "spec": {"default": "DENY",
                      "rules": [{"action": "ALLOW", "sources": [{"namespace": "observability"}],
                                 "http": {"methods": ["GET"], "paths": [{"exact": "/metrics"}]}}]}}
            """;

    private static final String GREETER = """
            {"kind": "TrafficPermission", "name": "greeter-callers", "target": {"service": "greeter"},
             "spec": {"rules": [
                {"action": "ALLOW",
                 "sources": [{"spiffeId": "spiffe://acme.example/ns/shop/sa/frontend"},
                             {"service": "checkout"}, {"cluster": "east"}],
                 "http": {"methods": ["GET", "POST"], "paths": [{"prefix": "/api/"}, {"exact": "/healthz"}]}},
                {"action": "DENY", "sources": [{"namespace": "sandbox"}, {"cluster": "west"}]}]}}
            """;

    @Test
    void aServicePermissionIsReadWithEveryRuleSourceAndMatch() {
        TrafficPermission spec = (TrafficPermission) read(GREETER).spec();

        assertThat(spec.meshDefault()).isNull();
        assertThat(spec.rules()).containsExactly(
                new Rule(Action.ALLOW,
                        List.of(new Source.SpiffeId("spiffe://acme.example/ns/shop/sa/frontend"),
                                new Source.Service("checkout"), new Source.Cluster("east")),
                        new HttpMatch(List.of("GET", "POST"),
                                List.of(new PathMatch.Prefix("/api/"), new PathMatch.Exact("/healthz")))),
                new Rule(Action.DENY, List.of(new Source.Namespace("sandbox"), new Source.Cluster("west")), null));
    }

    @Test
    void theMeshDefaultIsReadFromAMeshWidePermission() {
        TrafficPermission spec = (TrafficPermission) read(MESH_DEFAULT_DENY).spec();

        assertThat(spec.meshDefault()).isEqualTo(Action.DENY);
        assertThat(spec.rules()).hasSize(1);
    }

    @Test
    void aMeshDefaultNeedsNoRules() {
        TrafficPermission spec = (TrafficPermission) read("""
                {"kind": "TrafficPermission", "name": "open", "target": {"mesh": true}, "spec": {"default": "ALLOW"}}
                """).spec();

        assertThat(spec).isEqualTo(new TrafficPermission(Action.ALLOW, List.of()));
    }

    @Test
    void writingAndReadingBackGivesTheSameDocument() {
        for (String json : List.of(GREETER, MESH_DEFAULT_DENY)) {
            PolicyDocument document = read(json);

            String written = PolicyJson.toText(PolicyJson.write(document));

            assertThat(read(written)).isEqualTo(document);
        }
    }

    @Test
    void theCanonicalSpecLeavesOutWhatWasNotSet() {
        assertThat(PolicyJson.toText(PolicyJson.writeSpec(read("""
                {"kind": "TrafficPermission", "name": "p", "target": {"service": "greeter"},
                 "spec": {"rules": [{"sources": [{"service": "frontend"}], "action": "ALLOW"}]}}
                """)))).isEqualTo("{\"rules\":[{\"action\":\"ALLOW\",\"sources\":[{\"service\":\"frontend\"}]}]}");
    }

    @Test
    void aNewWriteNamingAClusterSourceIsRefusedAtEachSuchSourceWithTheAlternative() {
        TrafficPermission spec = (TrafficPermission) read(GREETER).spec();

        List<Violation> refused = new TrafficPermissionKind().refusedInNewWrites(spec);

        assertThat(refused).extracting(Violation::field)
                .containsExactly("spec.rules[0].sources[2].cluster", "spec.rules[1].sources[1].cluster");
        assertThat(refused.get(0).problem()).contains("'east'", "SPIFFE id is the same in every cluster",
                "own service account");
    }

    @Test
    void aStoredPermissionWithAClusterSourceIsStillReadSoItKeepsFailingClosed() {
        PolicyDocument stored = PolicyJson.fromStored("TrafficPermission", "greeter-callers", "{}",
                "{\"service\": \"greeter\"}", "[]",
                "{\"rules\": [{\"action\": \"DENY\", \"sources\": [{\"cluster\": \"west\"}]}]}");

        assertThat(((TrafficPermission) stored.spec()).rules().get(0).sources()).containsExactly(new Source.Cluster("west"));
    }

    @Test
    void aPermissionWithoutClusterSourcesIsNotRefused() {
        assertThat(new TrafficPermissionKind().refusedInNewWrites((TrafficPermission) read(MESH_DEFAULT_DENY).spec()))
                .isEmpty();
    }

    @Test
    void clusterAndServiceSourcesAreReferencesNamedByTheirField() {
        TrafficPermission spec = (TrafficPermission) read(GREETER).spec();

        var references = new TrafficPermissionKind().references(spec);

        assertThat(references.clustersByField()).isEqualTo(Map.of(
                "spec.rules[0].sources[2].cluster", "east",
                "spec.rules[1].sources[1].cluster", "west"));
        assertThat(references.servicesByField()).isEqualTo(Map.of("spec.rules[0].sources[1].service", "checkout"));
    }

    @Test
    void onlyAMeshDefaultIsClaimed() {
        PolicyDocument mesh = read(MESH_DEFAULT_DENY);
        PolicyDocument greeter = read(GREETER);
        PolicyDocument meshRulesOnly = read(MESH_DEFAULT_DENY.replace("\"default\": \"DENY\",", ""));
        TrafficPermissionKind kind = new TrafficPermissionKind();

        assertThat(kind.claims(mesh.target(), (TrafficPermission) mesh.spec()))
                .containsExactly(TrafficPermissionKind.MESH_DEFAULT_CLAIM);
        assertThat(kind.claims(greeter.target(), (TrafficPermission) greeter.spec())).isEmpty();
        assertThat(kind.claims(meshRulesOnly.target(), (TrafficPermission) meshRulesOnly.spec())).isEmpty();
    }

    @Test
    void aTenantHoldingPermissionsCompilesToTheGoldenConfig() throws IOException {
        TenantState tenant = new TenantState("acme", 12,
                List.of(new ClusterInfo("east", "us-east1", "us-east1-b", "net-1", Map.of()),
                        new ClusterInfo("west", "us-west1", "us-west1-a", "net-1", Map.of())),
                List.of("checkout"),
                List.of(read(GREETER), read(MESH_DEFAULT_DENY)));

        DesiredConfig east = DesiredConfigCompiler.compile(tenant).get("east");

        Golden.assertMatches(GOLDEN, "two-permissions.golden.json", JsonFormat.printer().print(east));
    }

    @Test
    void theDefaultIsRefusedOnAServiceTarget() {
        assertThat(violations(GREETER.replace("\"spec\": {", "\"spec\": {\"default\": \"DENY\", ")))
                .singleElement()
                .satisfies(v -> {
                    assertThat(v.field()).isEqualTo("spec.default");
                    assertThat(v.problem()).contains("{\"mesh\": true}");
                });
    }

    @Test
    void aSubsetTargetIsRefused() {
        assertThat(violatedFields(GREETER.replace("{\"service\": \"greeter\"}",
                "{\"service\": \"greeter\", \"subset\": {\"version\": \"v2\"}}")))
                .containsExactly("target.subset");
    }

    @Test
    void fromIsRefusedBecauseSourcesBelongInTheRules() {
        assertThat(violatedFields(GREETER.replace("\"target\"", "\"from\": [{\"service\": \"frontend\"}], \"target\"")))
                .containsExactly("from");
    }

    @Test
    void aServicePermissionWithoutRulesIsRefused() {
        assertThat(violations("""
                {"kind": "TrafficPermission", "name": "p", "target": {"service": "greeter"}, "spec": {}}"""))
                .singleElement()
                .satisfies(v -> {
                    assertThat(v.field()).isEqualTo("spec.rules");
                    assertThat(v.problem()).startsWith("is required");
                });
        assertThat(violatedFields("""
                {"kind": "TrafficPermission", "name": "p", "target": {"mesh": true}, "spec": {"rules": []}}"""))
                .containsExactly("spec.rules");
    }

    @Test
    void badActionsAndDefaultsListTheAllowedWords() {
        List<Violation> violations = violations(MESH_DEFAULT_DENY
                .replace("\"default\": \"DENY\"", "\"default\": \"deny\"")
                .replace("\"action\": \"ALLOW\"", "\"action\": \"PERMIT\""));

        assertThat(violations).extracting(Violation::field).containsExactly("spec.default", "spec.rules[0].action");
        assertThat(violations).allSatisfy(v -> assertThat(v.problem()).contains("[ALLOW, DENY]"));
    }

    @Test
    void aRuleWithoutActionOrSourcesNamesBoth() {
        assertThat(violatedFields(GREETER.replace("{\"action\": \"DENY\", \"sources\": [{\"namespace\": \"sandbox\"}, {\"cluster\": \"west\"}]}",
                "{}")))
                .containsExactly("spec.rules[1].action", "spec.rules[1].sources");
    }

    @Test
    void wrongTypesAreNamedWithTheirPath() {
        assertThat(violatedFields(GREETER
                .replace("{\"service\": \"checkout\"}", "{\"service\": 7}")
                .replace("[{\"namespace\": \"sandbox\"}, {\"cluster\": \"west\"}]", "\"sandbox\"")
                .replace("\"methods\": [\"GET\", \"POST\"]", "\"methods\": [\"GET\", 1]")
                .replace("{\"exact\": \"/healthz\"}", "\"/healthz\"")))
                .containsOnly("spec.rules[0].sources[1].service", "spec.rules[1].sources",
                        "spec.rules[0].http.methods[1]", "spec.rules[0].http.paths[1]");
    }

    @Test
    void unknownFieldsAreRefusedAtEveryLevel() {
        assertThat(violatedFields(GREETER
                .replace("\"spec\": {", "\"spec\": {\"mode\": \"STRICT\", ")
                .replace("{\"action\": \"DENY\",", "{\"action\": \"DENY\", \"priority\": 1,")
                .replace("{\"service\": \"checkout\"}", "{\"service\": \"checkout\", \"port\": 80}")
                .replace("\"methods\": [", "\"headers\": {}, \"methods\": [")
                .replace("{\"prefix\": \"/api/\"}", "{\"prefix\": \"/api/\", \"regex\": \".*\"}")))
                .containsExactlyInAnyOrder("spec.mode", "spec.rules[1].priority", "spec.rules[0].sources[1].port",
                        "spec.rules[0].http.headers", "spec.rules[0].http.paths[0].regex");
    }

    @Test
    void aSourceNamesExactlyOneCaller() {
        List<Violation> violations = violations(GREETER
                .replace("{\"service\": \"checkout\"}", "{}")
                .replace("{\"cluster\": \"east\"}", "{\"cluster\": \"east\", \"namespace\": \"shop\"}"));

        assertThat(violations).extracting(Violation::field)
                .containsExactly("spec.rules[0].sources[1].spiffeId", "spec.rules[0].sources[2].cluster");
        assertThat(violations.get(0).problem()).contains("[spiffeId, service, namespace, cluster]");
        assertThat(violations.get(1).problem()).contains("cannot be combined with namespace");
    }

    @Test
    void repeatedSourcesMethodsPathsAndRulesAreRefused() {
        assertThat(violatedFields(GREETER
                .replace("{\"service\": \"checkout\"}", "{\"service\": \"checkout\"}, {\"service\": \"checkout\"}")
                .replace("[\"GET\", \"POST\"]", "[\"GET\", \"POST\", \"GET\"]")
                .replace("{\"exact\": \"/healthz\"}", "{\"exact\": \"/healthz\"}, {\"exact\": \"/healthz\"}")))
                .containsExactly("spec.rules[0].sources[2]", "spec.rules[0].http.methods[2]", "spec.rules[0].http.paths[2]");
        String deny = "{\"action\": \"DENY\", \"sources\": [{\"namespace\": \"sandbox\"}, {\"cluster\": \"west\"}]}";
        assertThat(violations(GREETER.replace(deny, deny + ", " + deny)))
                .containsExactly(new Violation("spec.rules[2]", "repeats rules[1]: remove the repeated rule"));
    }

    @Test
    void onlyStandardUpperCaseMethodsAreAccepted() {
        List<Violation> violations = violations(GREETER.replace("[\"GET\", \"POST\"]", "[\"get\", \"PURGE\", \"POST\"]"));

        assertThat(violations).extracting(Violation::field)
                .containsExactly("spec.rules[0].http.methods[0]", "spec.rules[0].http.methods[1]");
        assertThat(violations.get(1).problem()).startsWith("'PURGE' is not an HTTP method: use one of [GET, HEAD, POST");
    }

    @Test
    void anEmptyHttpMatchOrEmptyListsAreRefused() {
        assertThat(violatedFields(GREETER.replace("\"http\": {\"methods\": [\"GET\", \"POST\"], \"paths\": [{\"prefix\": \"/api/\"}, {\"exact\": \"/healthz\"}]}",
                "\"http\": {}")))
                .containsExactly("spec.rules[0].http");
        assertThat(violatedFields(GREETER.replace("[\"GET\", \"POST\"]", "[]").replace("[{\"prefix\": \"/api/\"}, {\"exact\": \"/healthz\"}]", "[]")))
                .containsExactly("spec.rules[0].http.methods", "spec.rules[0].http.paths");
    }

    @ParameterizedTest
    @ValueSource(strings = {"api/", "/api?x=1", "/a#top", "/a b", "/<script>", "/%zz", "/a\"b", "/a\\b"})
    void pathsMustBeAbsoluteUriPaths(String path) {
        assertThat(violatedFields(GREETER.replace("\"/api/\"", quoted(path)))).containsExactly("spec.rules[0].http.paths[0].prefix");
    }

    @Test
    void aPathLongerThanTheLimitIsRefusedWithoutEchoingIt() {
        String path = "/" + "a".repeat(RequestPaths.MAX_LENGTH);

        assertThat(violations(GREETER.replace("\"/healthz\"", quoted(path))))
                .containsExactly(new Violation("spec.rules[0].http.paths[1].exact",
                        "is 1025 characters long; at most 1024 are allowed"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "spiffe:/acme.example/ns/shop/sa/frontend",
            "SPIFFE://acme.example/ns/shop/sa/frontend",
            "https://acme.example/ns/shop/sa/frontend",
            "spiffe:///ns/shop/sa/frontend",
            "spiffe://Acme.example/ns/shop/sa/frontend",
            "spiffe://acme.example:8443/ns/shop/sa/frontend",
            "spiffe://user@acme.example/ns/shop/sa/frontend",
            "spiffe://acme.example",
            "spiffe://acme.example/",
            "spiffe://acme.example/ns//sa/frontend",
            "spiffe://acme.example/ns/shop/sa/frontend/",
            "spiffe://acme.example/ns/../sa/frontend",
            "spiffe://acme.example/ns/./sa/frontend",
            "spiffe://acme.example/ns/shop/sa/front%20end",
            "spiffe://acme.example/ns/shop/sa/frontend?x=1",
            "spiffe://acme.example/ns/shop/sa/frontend#f",
            "spiffe://acme.example/ns/shop/sa/<script>",
            "spiffe://acme.example/ns/shop'; DROP TABLE policies; --"})
    void badSpiffeIdsAreRefused(String id) {
        List<Violation> violations = violations(GREETER.replace("\"spiffe://acme.example/ns/shop/sa/frontend\"", quoted(id)));

        assertThat(violations).singleElement().satisfies(v -> {
            assertThat(v.field()).isEqualTo("spec.rules[0].sources[0].spiffeId");
            assertThat(v.problem()).isNotBlank();
        });
    }

    @Test
    void spiffeIdsFollowTheStandardsLimits() {
        String longPath = "spiffe://acme.example/" + "a".repeat(SpiffeIds.MAX_LENGTH);
        String longDomain = "spiffe://" + "a".repeat(256) + "/ns/shop";

        assertThat(SpiffeIds.problemWith(longPath)).isEqualTo("is 2070 characters long; a SPIFFE ID has at most 2048");
        assertThat(SpiffeIds.problemWith(longDomain)).isEqualTo("has a trust domain of 256 characters; at most 255");
        assertThat(SpiffeIds.problemWith("spiffe://acme.example/ns/shop/sa/frontend")).isNull();
        assertThat(SpiffeIds.problemWith("spiffe://a_b-c.d9/Some.Path/with_Caps-1")).isNull();
        assertThat(SpiffeIds.problemWith("spiffe://acme.example")).contains("add a path");
    }

    @ParameterizedTest
    @ValueSource(strings = {"service", "namespace", "cluster"})
    void markupAndSqlInSourceNamesAreRefusedByTheNamingRule(String field) {
        String json = GREETER.replace("{\"service\": \"checkout\"}",
                "{\"" + field + "\": \"x'; DROP TABLE policies; --<script>alert(1)</script>\"}");

        assertThat(violations(json)).singleElement().satisfies(v -> {
            assertThat(v.field()).isEqualTo("spec.rules[0].sources[1]." + field);
            assertThat(v.problem()).endsWith(Names.RULE);
        });
    }

    @Test
    void tooManyRulesSourcesOrPathsAreRefused() {
        String source = "{\"cluster\": \"east\"}";
        String sources = String.join(", ", java.util.stream.IntStream.range(0, TrafficPermissionKind.MAX_SOURCES + 1)
                .mapToObj(i -> "{\"service\": \"s" + i + "\"}").toList());
        String paths = String.join(", ", java.util.stream.IntStream.range(0, TrafficPermissionKind.MAX_PATHS + 1)
                .mapToObj(i -> "{\"exact\": \"/p" + i + "\"}").toList());
        String rules = String.join(", ", java.util.stream.IntStream.range(0, TrafficPermissionKind.MAX_RULES + 1)
                .mapToObj(i -> "{\"action\": \"ALLOW\", \"sources\": [{\"service\": \"s" + i + "\"}]}").toList());

        assertThat(violatedFields(GREETER.replace(source, source + ", " + sources)
                .replace("{\"exact\": \"/healthz\"}", paths)))
                .containsExactly("spec.rules[0].sources", "spec.rules[0].http.paths");
        assertThat(violations("""
                {"kind": "TrafficPermission", "name": "p", "target": {"service": "greeter"}, "spec": {"rules": [%s]}}"""
                .formatted(rules)))
                .containsExactly(new Violation("spec.rules",
                        "has 101 rules; at most 100 are allowed: split them between several TrafficPermissions"));
    }

    @Test
    void aMeshTargetIsAccepted() {
        assertThat(read(MESH_DEFAULT_DENY).target()).isEqualTo(new Target.Mesh());
    }

    private static String quoted(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}

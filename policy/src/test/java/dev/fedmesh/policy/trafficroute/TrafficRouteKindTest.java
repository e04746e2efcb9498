package dev.fedmesh.policy.trafficroute;

import com.google.protobuf.util.JsonFormat;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.policy.compiler.ClusterInfo;
import dev.fedmesh.policy.compiler.DesiredConfigCompiler;
import dev.fedmesh.policy.compiler.TenantState;
import dev.fedmesh.policy.document.PolicyDocument;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.document.Target;
import dev.fedmesh.policy.document.Violation;
import dev.fedmesh.policy.testing.Golden;
import dev.fedmesh.policy.testing.PolicyDocuments;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static dev.fedmesh.policy.testing.PolicyDocuments.read;
import static dev.fedmesh.policy.testing.PolicyDocuments.violations;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class TrafficRouteKindTest {
    private static final Path GOLDEN = Path.of("src/test/resources/testdata/trafficroute");
    private static final String SHORT = """
            {"kind": "TrafficRoute", "name": "greeter-split", "target": {"service": "greeter"},
             "spec": {"split": [{"subset": {"version": "v1"}, "weight": 20},
                                {"subset": {"version": "v2"}, "weight": 80}]}}
            """;
    private static final String RULES = """
            {"kind": "TrafficRoute", "name": "greeter-canary", "target": {"service": "greeter"},
             "spec": {"rules": [
               {"match": {"path": {"prefix": "/api/"}, "method": "GET",
                          "headers": [{"name": "x-user", "prefix": "beta-"}, {"name": "x-canary", "exact": "true"}]},
                "split": [{"subset": {"version": "v2"}, "cluster": "west", "weight": 80},
                          {"subset": {"version": "v2"}, "weight": 20}],
                "rewrite": {"prefix": "/v2/"}, "timeout": "3000ms"},
               {"match": {"path": {"regex": "/items/[0-9]+"}, "headers": [{"name": "x-debug", "present": true}]},
                "split": [{"subset": {"version": "v1"}, "weight": 100}]},
               {"match": {"path": {"exact": "/healthz"}}, "split": [{"subset": {}, "weight": 100}], "timeout": "1h"},
               {"split": [{"subset": {"version": "v1"}, "weight": 90}, {"subset": {"version": "v2"}, "weight": 10}]}]}}
            """;

    private final TrafficRouteKind kind = new TrafficRouteKind();

    @Test
    void theShortFormStillMeansOneSplitOfEveryCall() {
        TrafficRoute spec = (TrafficRoute) read(SHORT).spec();

        assertThat(spec).isEqualTo(new TrafficRoute(List.of(
                new TrafficRoute.Split(Map.of("version", "v1"), 20), new TrafficRoute.Split(Map.of("version", "v2"), 80))));
        assertThat(spec.effectiveRules()).singleElement().satisfies(rule -> {
            assertThat(rule.match()).isEqualTo(RouteMatch.ANY);
            assertThat(rule.split()).isEqualTo(spec.split());
        });
        assertThat(PolicyJson.toText(kind.writeSpec(spec))).isEqualTo(
                "{\"split\":[{\"subset\":{\"version\":\"v1\"},\"weight\":20},{\"subset\":{\"version\":\"v2\"},\"weight\":80}]}");
    }

    @Test
    void theShortFormKeepsItsWireFormSoOlderAgentsStillUnderstandIt() {
        Policy.Builder wire = Policy.newBuilder();
        kind.writeSpec((TrafficRoute) read(SHORT).spec(), wire);

        assertThat(wire.getTrafficRoute().getSplitCount()).isEqualTo(2);
        assertThat(wire.getTrafficRoute().getRulesCount()).isZero();
    }

    @Test
    void rulesAreReadWithEveryField() {
        TrafficRoute spec = (TrafficRoute) read(RULES).spec();

        assertThat(spec.split()).isEmpty();
        assertThat(spec.rules()).hasSize(4);
        TrafficRoute.Rule first = spec.rules().get(0);
        assertThat(first.match()).isEqualTo(new RouteMatch(
                new RouteMatch.PathMatch(RouteMatch.PathMatchType.PREFIX, "/api/"), "GET", List.of(
                        new RouteMatch.HeaderMatch("x-canary", RouteMatch.HeaderMatchType.EXACT, "true"),
                        new RouteMatch.HeaderMatch("x-user", RouteMatch.HeaderMatchType.PREFIX, "beta-"))));
        assertThat(first.split()).containsExactly(
                new TrafficRoute.Split(Map.of("version", "v2"), "west", 80),
                new TrafficRoute.Split(Map.of("version", "v2"), null, 20));
        assertThat(first.rewritePrefix()).isEqualTo("/v2/");
        assertThat(first.timeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(spec.rules().get(3).match().matchesEverything()).isTrue();
    }

    @Test
    void writingAndReadingBackGivesTheSameDocument() {
        for (String json : List.of(SHORT, RULES)) {
            PolicyDocument document = read(json);

            assertThat(read(PolicyJson.toText(PolicyJson.write(document)))).isEqualTo(document);
        }
    }

    @Test
    void theCanonicalFormSortsHeadersAndWritesDurationsInTheirLargestUnit() throws IOException {
        String canonical = PolicyJson.toText(kind.writeSpec((TrafficRoute) read(RULES).spec()));

        assertThat(canonical).contains("\"timeout\":\"3s\"").contains("\"timeout\":\"1h\"");
        assertThat(canonical.indexOf("x-canary")).isLessThan(canonical.indexOf("x-user"));
        Golden.assertMatches(GOLDEN, "rules.canonical.golden.json", canonical);
    }

    @Test
    void anEmptyMatchIsTheSameAsNoMatch() {
        TrafficRoute empty = (TrafficRoute) read(withSpec(
                "{\"rules\": [{\"match\": {}, \"split\": [{\"subset\": {}, \"weight\": 100}]}]}")).spec();
        TrafficRoute none = (TrafficRoute) read(withSpec(
                "{\"rules\": [{\"split\": [{\"subset\": {}, \"weight\": 100}]}]}")).spec();

        assertThat(empty).isEqualTo(none);
    }

    @Test
    void theRouteClaimsItsServiceWithEachRulesMatch() {
        PolicyDocument rules = read(RULES);
        PolicyDocument shortForm = read(SHORT);

        assertThat(kind.claims(rules.target(), (TrafficRoute) rules.spec())).containsExactly(
                "service greeter match path prefix /api/; method GET; header x-canary exact true; header x-user prefix beta-",
                "service greeter match path regex /items/[0-9]+; header x-debug present",
                "service greeter match path exact /healthz",
                "service greeter match *");
        assertThat(kind.claims(shortForm.target(), (TrafficRoute) shortForm.spec()))
                .containsExactly("service greeter match *");
    }

    @Test
    void twoRoutesMatchingTheSameCallsInAnotherOrderClaimTheSameKey() {
        PolicyDocument a = read(withSpec("""
                {"rules": [{"match": {"method": "POST", "headers": [{"name": "a", "exact": "1"}, {"name": "b", "present": true}]},
                            "split": [{"subset": {}, "weight": 100}]}]}"""));
        PolicyDocument b = read(withSpec("""
                {"rules": [{"match": {"headers": [{"name": "b", "present": true}, {"name": "a", "exact": "1"}], "method": "POST"},
                            "split": [{"subset": {"version": "v2"}, "weight": 100}]}]}"""));

        assertThat(kind.claims(a.target(), (TrafficRoute) a.spec()))
                .isEqualTo(kind.claims(b.target(), (TrafficRoute) b.spec()));
    }

    @Test
    void routesOfDifferentServicesOrMatchesDoNotContradict() {
        PolicyDocument greeter = read(SHORT);
        PolicyDocument billing = read(SHORT.replace("\"greeter\"", "\"billing\""));
        PolicyDocument api = read(withSpec(
                "{\"rules\": [{\"match\": {\"path\": {\"prefix\": \"/api\"}}, \"split\": [{\"subset\": {}, \"weight\": 100}]}]}"));

        assertThat(kind.claims(greeter.target(), (TrafficRoute) greeter.spec()))
                .doesNotContainAnyElementsOf(kind.claims(billing.target(), (TrafficRoute) billing.spec()))
                .doesNotContainAnyElementsOf(kind.claims(api.target(), (TrafficRoute) api.spec()));
    }

    @Test
    void referencesAreTheClustersSplitsSendCallsToByTheirField() {
        TrafficRoute rules = (TrafficRoute) read(RULES).spec();
        TrafficRoute shortForm = (TrafficRoute) read(withSpec(
                "{\"split\": [{\"subset\": {}, \"cluster\": \"east\", \"weight\": 50}, {\"subset\": {}, \"weight\": 50}]}")).spec();

        assertThat(kind.references(rules).clustersByField()).isEqualTo(Map.of("spec.rules[0].split[0].cluster", "west"));
        assertThat(kind.references(shortForm).clustersByField()).isEqualTo(Map.of("spec.split[0].cluster", "east"));
        assertThat(kind.references((TrafficRoute) read(SHORT).spec()).clusters()).isEmpty();
        assertThat(kind.references(rules).servicesByField()).isEmpty();
    }

    @Test
    void everyClusterGetsTheRulesInItsDesiredConfig() throws IOException {
        TenantState tenant = new TenantState("acme", 4,
                List.of(new ClusterInfo("east", "us-east1", "b", "net-1", Map.of()),
                        new ClusterInfo("west", "us-west1", "a", "net-1", Map.of())),
                List.of(), List.of(read(RULES)));

        DesiredConfig east = DesiredConfigCompiler.compile(tenant).get("east");

        assertThat(east.getPolicies(0).getTrafficRoute().getRulesCount()).isEqualTo(4);
        Golden.assertMatches(GOLDEN, "rules-desired-config.golden.json", JsonFormat.printer().print(east));
    }

    static Stream<Arguments> badInputs() {
        return Stream.of(
                arguments("{}",
                        "spec.split"),
                arguments("{'split': [], 'rules': []}",
                        "spec.rules"),
                arguments("{'rules': []}",
                        "spec.rules"),
                arguments("{'rules': 'all'}",
                        "spec.rules"),
                arguments("{'rules': [1]}",
                        "spec.rules[0]"),
                arguments("{'rules': [{'split': [{'subset': {}, 'weight': 100}], 'colour': 'red'}]}",
                        "spec.rules[0].colour"),
                arguments("{'rules': [{}]}",
                        "spec.rules[0].split"),
                arguments("{'rules': [{'split': [{'subset': {}, 'weight': 60}]}]}",
                        "spec.rules[0].split"),
                arguments("{'rules': [{'split': [{'subset': {}, 'weight': -1}, {'subset': {'v': '2'}, 'weight': 101}]}]}",
                        "spec.rules[0].split[0].weight"),
                arguments("{'rules': [{'split': [{'subset': {}, 'weight': '100'}]}]}",
                        "spec.rules[0].split[0].weight"),
                arguments("{'rules': [{'split': [{'subset': {}, 'weight': 100, 'cluster': 'West_1'}]}]}",
                        "spec.rules[0].split[0].cluster"),
                arguments("{'rules': [{'split': [{'subset': {}, 'weight': 100, 'cluster': 7}]}]}",
                        "spec.rules[0].split[0].cluster"),
                arguments("{'rules': [{'split': [{'subset': {}, 'weight': 100, 'cluster': 'westAPOS; DROP TABLE clusters; --'}]}]}",
                        "spec.rules[0].split[0].cluster"),
                arguments("{'rules': [{'split': [{'subset': {}, 'weight': 50}, {'subset': {}, 'weight': 50}]}]}",
                        "spec.rules[0].split[1].subset"),
                arguments("{'rules': [{'split': [{'subset': {'version': '<b>v2</b>'}, 'weight': 100}]}]}",
                        "spec.rules[0].split[0].subset.version"),
                arguments("{'rules': [{'match': [], 'split': [{'subset': {}, 'weight': 100}]}]}",
                        "spec.rules[0].match"),
                arguments("{'rules': [{'match': {'verb': 'GET'}, 'split': [{'subset': {}, 'weight': 100}]}]}",
                        "spec.rules[0].match.verb"),
                arguments("{'rules': [{'match': {'method': 'get'}, 'split': [{'subset': {}, 'weight': 100}]}]}",
                        "spec.rules[0].match.method"),
                arguments("{'rules': [{'match': {'method': 'BREW'}, 'split': [{'subset': {}, 'weight': 100}]}]}",
                        "spec.rules[0].match.method"),
                arguments("{'rules': [{'match': {'path': '/api'}, 'split': [{'subset': {}, 'weight': 100}]}]}",
                        "spec.rules[0].match.path"),
                arguments("{'rules': [{'match': {'path': {}}, 'split': [{'subset': {}, 'weight': 100}]}]}",
                        "spec.rules[0].match.path.exact"),
                arguments("{'rules': [{'match': {'path': {'exact': '/a', 'prefix': '/b'}}, 'split': [{'subset': {}, 'weight': 100}]}]}",
                        "spec.rules[0].match.path.prefix"),
                arguments("{'rules': [{'match': {'path': {'suffix': '/a'}}, 'split': [{'subset': {}, 'weight': 100}]}]}",
                        "spec.rules[0].match.path.suffix"),
                arguments("{'rules': [{'match': {'path': {'prefix': 'api'}}, 'split': [{'subset': {}, 'weight': 100}]}]}",
                        "spec.rules[0].match.path.prefix"),
                arguments("{'rules': [{'match': {'path': {'exact': '/a b'}}, 'split': [{'subset': {}, 'weight': 100}]}]}",
                        "spec.rules[0].match.path.exact"),
                arguments("{'rules': [{'match': {'path': {'exact': '/a?b=1'}}, 'split': [{'subset': {}, 'weight': 100}]}]}",
                        "spec.rules[0].match.path.exact"),
                arguments("{'rules': [{'match': {'path': {'exact': '/<script>alert(1)</script>'}}, 'split': [{'subset': {}, 'weight': 100}]}]}",
                        "spec.rules[0].match.path.exact"),
                arguments("{'rules': [{'match': {'path': {'prefix': '/APOS; DROP TABLE policies; --'}}, 'split': [{'subset': {}, 'weight': 100}]}]}",
                        "spec.rules[0].match.path.prefix"),
                arguments("{'rules': [{'match': {'path': {'exact': '/%zz'}}, 'split': [{'subset': {}, 'weight': 100}]}]}",
                        "spec.rules[0].match.path.exact"),
                arguments("{'rules': [{'match': {'path': {'regex': '(a'}}, 'split': [{'subset': {}, 'weight': 100}]}]}",
                        "spec.rules[0].match.path.regex"),
                arguments("{'rules': [{'match': {'path': {'regex': '/(a)\\\\1'}}, 'split': [{'subset': {}, 'weight': 100}]}]}",
                        "spec.rules[0].match.path.regex"),
                arguments("{'rules': [{'match': {'path': {'regex': '/(?=a)a'}}, 'split': [{'subset': {}, 'weight': 100}]}]}",
                        "spec.rules[0].match.path.regex"),
                arguments("{'rules': [{'match': {'path': {'regex': '/(?!a)b'}}, 'split': [{'subset': {}, 'weight': 100}]}]}",
                        "spec.rules[0].match.path.regex"),
                arguments("{'rules': [{'match': {'path': {'regex': '/a++'}}, 'split': [{'subset': {}, 'weight': 100}]}]}",
                        "spec.rules[0].match.path.regex"),
                arguments("{'rules': [{'match': {'path': {'regex': '/(?>a)'}}, 'split': [{'subset': {}, 'weight': 100}]}]}",
                        "spec.rules[0].match.path.regex"),
                arguments("{'rules': [{'match': {'path': {'regex': '(?U)/a'}}, 'split': [{'subset': {}, 'weight': 100}]}]}",
                        "spec.rules[0].match.path.regex"),
                arguments("{'rules': [{'match': {'path': {'regex': '/a\\\\h'}}, 'split': [{'subset': {}, 'weight': 100}]}]}",
                        "spec.rules[0].match.path.regex"),
                arguments("{'rules': [{'match': {'path': {'regex': '/\\\\p{javaLowerCase}'}}, 'split': [{'subset': {}, 'weight': 100}]}]}",
                        "spec.rules[0].match.path.regex"),
                arguments("{'rules': [{'match': {'path': {'regex': '/a\\\\Z'}}, 'split': [{'subset': {}, 'weight': 100}]}]}",
                        "spec.rules[0].match.path.regex"),
                arguments("{'rules': [{'match': {'path': {'regex': '/<script>'}}, 'split': [{'subset': {}, 'weight': 100}]}]}",
                        "spec.rules[0].match.path.regex"),
                arguments("{'rules': [{'match': {'path': {'regex': ''}}, 'split': [{'subset': {}, 'weight': 100}]}]}",
                        "spec.rules[0].match.path.regex"),
                arguments("{'rules': [{'match': {'headers': {}}, 'split': [{'subset': {}, 'weight': 100}]}]}",
                        "spec.rules[0].match.headers"),
                arguments("{'rules': [{'match': {'headers': [{'exact': 'x'}]}, 'split': [{'subset': {}, 'weight': 100}]}]}",
                        "spec.rules[0].match.headers[0].name"),
                arguments("{'rules': [{'match': {'headers': [{'name': 'X-Canary', 'exact': 'x'}]}, 'split': [{'subset': {}, 'weight': 100}]}]}",
                        "spec.rules[0].match.headers[0].name"),
                arguments("{'rules': [{'match': {'headers': [{'name': ':authority', 'exact': 'x'}]}, 'split': [{'subset': {}, 'weight': 100}]}]}",
                        "spec.rules[0].match.headers[0].name"),
                arguments("{'rules': [{'match': {'headers': [{'name': 'grpc-timeout', 'exact': 'x'}]}, 'split': [{'subset': {}, 'weight': 100}]}]}",
                        "spec.rules[0].match.headers[0].name"),
                arguments("{'rules': [{'match': {'headers': [{'name': 'x-id-bin', 'present': true}]}, 'split': [{'subset': {}, 'weight': 100}]}]}",
                        "spec.rules[0].match.headers[0].name"),
                arguments("{'rules': [{'match': {'headers': [{'name': 'x'}]}, 'split': [{'subset': {}, 'weight': 100}]}]}",
                        "spec.rules[0].match.headers[0].exact"),
                arguments("{'rules': [{'match': {'headers': [{'name': 'x', 'exact': 'a', 'prefix': 'b'}]}, 'split': [{'subset': {}, 'weight': 100}]}]}",
                        "spec.rules[0].match.headers[0].prefix"),
                arguments("{'rules': [{'match': {'headers': [{'name': 'x', 'present': false}]}, 'split': [{'subset': {}, 'weight': 100}]}]}",
                        "spec.rules[0].match.headers[0].present"),
                arguments("{'rules': [{'match': {'headers': [{'name': 'x', 'present': 'yes'}]}, 'split': [{'subset': {}, 'weight': 100}]}]}",
                        "spec.rules[0].match.headers[0].present"),
                arguments("{'rules': [{'match': {'headers': [{'name': 'x', 'exact': '<img src=x onerror=alert(1)>'}]}, 'split': [{'subset': {}, 'weight': 100}]}]}",
                        "spec.rules[0].match.headers[0].exact"),
                arguments("{'rules': [{'match': {'headers': [{'name': 'x', 'exact': '1APOS OR APOS1APOS=APOS1'}]}, 'split': [{'subset': {}, 'weight': 100}]}]}",
                        "spec.rules[0].match.headers[0].exact"),
                arguments("{'rules': [{'match': {'headers': [{'name': 'x', 'exact': ''}]}, 'split': [{'subset': {}, 'weight': 100}]}]}",
                        "spec.rules[0].match.headers[0].exact"),
                arguments("{'rules': [{'match': {'headers': [{'name': 'x', 'exact': 1}]}, 'split': [{'subset': {}, 'weight': 100}]}]}",
                        "spec.rules[0].match.headers[0].exact"),
                arguments("{'rules': [{'match': {'headers': [{'name': 'x', 'exact': 'a'}, {'name': 'x', 'prefix': 'b'}]}, 'split': [{'subset': {}, 'weight': 100}]}]}",
                        "spec.rules[0].match.headers[1].name"),
                arguments("{'rules': [{'match': {'headers': [{'name': 'x', 'exact': 'a', 'regex': 'b'}]}, 'split': [{'subset': {}, 'weight': 100}]}]}",
                        "spec.rules[0].match.headers[0].regex"),
                arguments("{'rules': [{'split': [{'subset': {}, 'weight': 100}], 'rewrite': {'prefix': '/v2/'}}]}",
                        "spec.rules[0].rewrite"),
                arguments("{'rules': [{'match': {'path': {'exact': '/a'}}, 'split': [{'subset': {}, 'weight': 100}], 'rewrite': {'prefix': '/v2/'}}]}",
                        "spec.rules[0].rewrite"),
                arguments("{'rules': [{'match': {'path': {'prefix': '/a'}}, 'split': [{'subset': {}, 'weight': 100}], 'rewrite': '/v2/'}]}",
                        "spec.rules[0].rewrite"),
                arguments("{'rules': [{'match': {'path': {'prefix': '/a'}}, 'split': [{'subset': {}, 'weight': 100}], 'rewrite': {}}]}",
                        "spec.rules[0].rewrite.prefix"),
                arguments("{'rules': [{'match': {'path': {'prefix': '/a'}}, 'split': [{'subset': {}, 'weight': 100}], 'rewrite': {'prefix': 'v2'}}]}",
                        "spec.rules[0].rewrite.prefix"),
                arguments("{'rules': [{'match': {'path': {'prefix': '/a'}}, 'split': [{'subset': {}, 'weight': 100}], 'rewrite': {'prefix': '/b', 'host': 'x'}}]}",
                        "spec.rules[0].rewrite.host"),
                arguments("{'rules': [{'split': [{'subset': {}, 'weight': 100}], 'timeout': '0ms'}]}",
                        "spec.rules[0].timeout"),
                arguments("{'rules': [{'split': [{'subset': {}, 'weight': 100}], 'timeout': '2h'}]}",
                        "spec.rules[0].timeout"),
                arguments("{'rules': [{'split': [{'subset': {}, 'weight': 100}], 'timeout': '3 seconds'}]}",
                        "spec.rules[0].timeout"),
                arguments("{'rules': [{'split': [{'subset': {}, 'weight': 100}], 'timeout': 3}]}",
                        "spec.rules[0].timeout"),
                arguments("{'rules': [{'match': {'method': 'GET'}, 'split': [{'subset': {}, 'weight': 100}]}, {'match': {'method': 'GET'}, 'split': [{'subset': {'v': '2'}, 'weight': 100}]}]}",
                        "spec.rules[1].match"),
                arguments("{'rules': [{'split': [{'subset': {}, 'weight': 100}]}, {'match': {'method': 'GET'}, 'split': [{'subset': {}, 'weight': 100}]}]}",
                        "spec.rules[1]")
        );
    }

    @ParameterizedTest(name = "{0} is refused at {1}")
    @MethodSource("badInputs")
    void badInputIsRefusedNamingItsField(String spec, String field) {
        String json = withSpec(spec.replace('\'', '"').replace("APOS", "'"));

        assertThat(violations(json)).extracting(Violation::field).contains(field);
    }

    @Test
    void regexesInTheSyntaxRe2SharesAreAccepted() {
        for (String regex : List.of("/api/v[0-9]+/.*", "(?i)/Items/\\\\d+", "/(?:a|b)/[^/]*", "/x{2,3}?", "/\\\\Qa.b\\\\E")) {
            TrafficRoute spec = (TrafficRoute) read(withSpec("{\"rules\": [{\"match\": {\"path\": {\"regex\": \"" + regex
                    + "\"}}, \"split\": [{\"subset\": {}, \"weight\": 100}]}]}")).spec();

            assertThat(spec.rules().get(0).match().path().type()).isEqualTo(RouteMatch.PathMatchType.REGEX);
        }
    }

    @Test
    void aSplitAndRulesTogetherAreRefused() {
        assertThat(violations(withSpec("{\"split\": [{\"subset\": {}, \"weight\": 100}], \"rules\": [{\"split\": [{\"subset\": {}, \"weight\": 100}]}]}")))
                .extracting(Violation::field).containsExactly("spec.rules");
    }

    @Test
    void tooManyRulesSplitsOrHeadersAreRefused() {
        String rule = "{\"match\": {\"path\": {\"exact\": \"/r%d\"}}, \"split\": [{\"subset\": {}, \"weight\": 100}]}";
        String rules = String.join(",", java.util.stream.IntStream.range(0, 33).mapToObj(rule::formatted).toList());
        String splits = String.join(",", java.util.stream.IntStream.range(0, 17)
                .mapToObj(i -> "{\"subset\": {\"v\": \"" + i + "\"}, \"weight\": " + (i == 0 ? 84 : 1) + "}").toList());
        String headers = String.join(",", java.util.stream.IntStream.range(0, 17)
                .mapToObj(i -> "{\"name\": \"h" + i + "\", \"present\": true}").toList());

        assertThat(violations(withSpec("{\"rules\": [" + rules + "]}"))).extracting(Violation::field).containsExactly("spec.rules");
        assertThat(violations(withSpec("{\"rules\": [{\"split\": [" + splits + "]}]}")))
                .extracting(Violation::field).containsExactly("spec.rules[0].split");
        assertThat(violations(withSpec("{\"rules\": [{\"match\": {\"headers\": [" + headers + "]}, \"split\": [{\"subset\": {}, \"weight\": 100}]}]}")))
                .extracting(Violation::field).containsExactly("spec.rules[0].match.headers");
    }

    @Test
    void errorsSayWhatToDo() {
        assertThat(violations(withSpec("""
                {"rules": [{"split": [{"subset": {}, "weight": 100}]},
                           {"match": {"method": "GET"}, "split": [{"subset": {}, "weight": 100}]}]}""")))
                .singleElement().satisfies(v -> assertThat(v.problem()).contains("never be used").contains("last"));
        assertThat(violations(withSpec("""
                {"rules": [{"match": {"path": {"regex": "/(a)\\\\1"}}, "split": [{"subset": {}, "weight": 100}]}]}""")))
                .singleElement().satisfies(v -> assertThat(v.problem()).contains("backreference").contains("RE2"));
    }

    @Test
    void theSameSubsetInTwoClustersIsTwoShares() {
        TrafficRoute spec = (TrafficRoute) read(withSpec("""
                {"split": [{"subset": {"version": "v2"}, "weight": 50},
                           {"subset": {"version": "v2"}, "cluster": "west", "weight": 50}]}""")).spec();

        assertThat(spec.split()).extracting(TrafficRoute.Split::cluster).containsExactly(null, "west");
    }

    @Test
    void aRouteMustTargetOneWholeService() {
        assertThat(violations(SHORT.replace("{\"service\": \"greeter\"}", "{\"service\": \"greeter\", \"subset\": {\"version\": \"v1\"}}")))
                .extracting(Violation::field).containsExactly("target.subset");
        assertThat(kind.claims(new Target.Mesh(), (TrafficRoute) read(SHORT).spec())).isEmpty();
    }

    static String withSpec(String spec) {
        return PolicyDocuments.withSpec("TrafficRoute", "route", spec);
    }
}

package dev.fedmesh.policy.ratelimit;

import com.google.protobuf.util.JsonFormat;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.policy.compiler.ClusterInfo;
import dev.fedmesh.policy.compiler.DesiredConfigCompiler;
import dev.fedmesh.policy.compiler.TenantState;
import dev.fedmesh.policy.document.PolicyDocument;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.document.ServiceSelector;
import dev.fedmesh.policy.document.Target;
import dev.fedmesh.policy.document.Violation;
import dev.fedmesh.policy.testing.ForAll;
import dev.fedmesh.policy.testing.Gen;
import dev.fedmesh.policy.testing.Golden;
import dev.fedmesh.policy.testing.MangledSpecs;
import dev.fedmesh.policy.testing.PolicyDocuments;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.fedmesh.policy.testing.PolicyDocuments.read;
import static dev.fedmesh.policy.testing.PolicyDocuments.violations;
import static org.assertj.core.api.Assertions.assertThat;

class RateLimitKindTest {
    private static final Path GOLDEN = Path.of("src/test/resources/testdata/ratelimit");
    private static final List<String> FIELDS = List.of("requests", "interval", "burst", "match", "onLimit", "colour");
    private static final Map<String, String> VALID = Map.of(
            "requests", "100", "interval", "\"1s\"", "burst", "20",
            "match", "{\"path\": {\"prefix\": \"/api/\"}, \"method\": \"POST\"}", "onLimit", "{\"httpStatus\": 503}");
    private static final List<String> NESTED_FIELDS = List.of("path", "method", "prefix", "exact", "httpStatus", "colour");
    private static final Target GREETER = new Target.Service(new ServiceSelector("greeter", Map.of()));
    private static final String FULL = """
            {"kind": "RateLimit", "name": "greeter-posts", "target": {"service": "greeter"},
             "from": [{"service": "frontend"}],
             "spec": {"requests": 100, "interval": "1s", "burst": 20,
                      "match": {"path": {"prefix": "/api/"}, "method": "POST"},
                      "onLimit": {"httpStatus": 503}}}
            """;

    @Test
    void aFullRateLimitIsReadWithEveryField() {
        PolicyDocument document = read(FULL);

        assertThat(document.from()).containsExactly(new ServiceSelector("frontend", Map.of()));
        assertThat(document.spec()).isEqualTo(new RateLimit(100, Duration.ofSeconds(1), 20,
                new RateLimit.RequestMatch(new RateLimit.PathMatch(RateLimit.PathMatchType.PREFIX, "/api/"), "POST"), 503));
    }

    @Test
    void writingAndReadingBackGivesTheSameDocument() {
        PolicyDocument document = read(FULL);

        assertThat(read(PolicyJson.toText(PolicyJson.write(document)))).isEqualTo(document);
    }

    @Test
    void theShortestRateLimitCountsEveryRequestAndAnswers429() {
        RateLimit spec = (RateLimit) read(withSpec("{\"requests\": 5, \"interval\": \"1m\"}")).spec();

        assertThat(spec).isEqualTo(new RateLimit(5, Duration.ofMinutes(1), 0, null, 429));
        assertThat(PolicyJson.toText(new RateLimitKind().writeSpec(spec)))
                .isEqualTo("{\"requests\":5,\"interval\":\"1m\",\"burst\":0,\"onLimit\":{\"httpStatus\":429}}");
    }

    @Test
    void anExactPathOrAMethodAloneIsAMatch() {
        assertThat(((RateLimit) read(withSpec("{\"requests\": 5, \"interval\": \"1s\", \"match\": {\"path\": {\"exact\": \"/login\"}}}"))
                .spec()).match())
                .isEqualTo(new RateLimit.RequestMatch(new RateLimit.PathMatch(RateLimit.PathMatchType.EXACT, "/login"), null));
        assertThat(((RateLimit) read(withSpec("{\"requests\": 5, \"interval\": \"1s\", \"match\": {\"method\": \"DELETE\"}}"))
                .spec()).match())
                .isEqualTo(new RateLimit.RequestMatch(null, "DELETE"));
    }

    @Test
    void requestsAndIntervalAreRequired() {
        assertThat(violations(withSpec("{}")))
                .extracting(Violation::field)
                .containsExactlyInAnyOrder("spec.requests", "spec.interval");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"requests\": 0, \"interval\": \"1s\"}                       | spec.requests",
            "{\"requests\": 1000001, \"interval\": \"1s\"}                 | spec.requests",
            "{\"requests\": \"100\", \"interval\": \"1s\"}                 | spec.requests",
            "{\"requests\": 2.5, \"interval\": \"1s\"}                     | spec.requests",
            "{\"requests\": 100, \"interval\": \"50ms\"}                   | spec.interval",
            "{\"requests\": 100, \"interval\": \"2h\"}                     | spec.interval",
            "{\"requests\": 100, \"interval\": 1}                          | spec.interval",
            "{\"requests\": 100, \"interval\": \"1 second\"}               | spec.interval",
            "{\"requests\": 100, \"interval\": \"1s\", \"burst\": -1}      | spec.burst",
            "{\"requests\": 100, \"interval\": \"1s\", \"burst\": \"lots\"} | spec.burst",
            "{\"requests\": 100, \"interval\": \"1s\", \"match\": []}      | spec.match",
            "{\"requests\": 100, \"interval\": \"1s\", \"match\": {}}      | spec.match.path",
            "{\"requests\": 100, \"interval\": \"1s\", \"match\": {\"method\": \"post\"}}  | spec.match.method",
            "{\"requests\": 100, \"interval\": \"1s\", \"match\": {\"method\": \"FETCH\"}} | spec.match.method",
            "{\"requests\": 100, \"interval\": \"1s\", \"match\": {\"path\": \"/api\"}}    | spec.match.path",
            "{\"requests\": 100, \"interval\": \"1s\", \"match\": {\"path\": {}}}          | spec.match.path.prefix",
            "{\"requests\": 100, \"interval\": \"1s\", \"match\": {\"path\": {\"prefix\": \"api\"}}}  | spec.match.path.prefix",
            "{\"requests\": 100, \"interval\": \"1s\", \"match\": {\"path\": {\"exact\": \"/a b\"}}}  | spec.match.path.exact",
            "{\"requests\": 100, \"interval\": \"1s\", \"match\": {\"path\": {\"prefix\": \"/<script>alert(1)</script>\"}}} | spec.match.path.prefix",
            "{\"requests\": 100, \"interval\": \"1s\", \"match\": {\"path\": {\"prefix\": \"/x'; DROP TABLE policies; --\"}}} | spec.match.path.prefix",
            "{\"requests\": 100, \"interval\": \"1s\", \"match\": {\"path\": {\"prefix\": \"/a\", \"exact\": \"/a\"}}} | spec.match.path.prefix",
            "{\"requests\": 100, \"interval\": \"1s\", \"match\": {\"path\": {\"prefix\": \"/a\", \"regex\": \".*\"}}} | spec.match.path.regex",
            "{\"requests\": 100, \"interval\": \"1s\", \"match\": {\"method\": \"GET\", \"headers\": {}}} | spec.match.headers",
            "{\"requests\": 100, \"interval\": \"1s\", \"onLimit\": {\"httpStatus\": 200}}  | spec.onLimit.httpStatus",
            "{\"requests\": 100, \"interval\": \"1s\", \"onLimit\": {\"httpStatus\": 600}}  | spec.onLimit.httpStatus",
            "{\"requests\": 100, \"interval\": \"1s\", \"onLimit\": {\"httpStatus\": \"429\"}} | spec.onLimit.httpStatus",
            "{\"requests\": 100, \"interval\": \"1s\", \"onLimit\": {\"body\": \"slow down\"}} | spec.onLimit.body",
            "{\"requests\": 100, \"interval\": \"1s\", \"onLimit\": 429}   | spec.onLimit",
            "{\"requests\": 100, \"interval\": \"1s\", \"per\": \"ip\"}    | spec.per",
    })
    void aBadSettingIsRefusedByItsPath(String spec, String field) {
        assertThat(violations(withSpec(spec))).extracting(Violation::field).containsExactly(field);
    }

    @Test
    void anIntervalOutOfRangeSaysTheRangeAndTheValue() {
        assertThat(violations(withSpec("{\"requests\": 100, \"interval\": \"2h\"}")))
                .containsExactly(new Violation("spec.interval", "must be between 100ms and 1h, not 2h"));
    }

    @Test
    void aRateLimitForTheWholeMeshIsRefused() {
        assertThat(violations(FULL.replace("\"target\": {\"service\": \"greeter\"}", "\"target\": {\"mesh\": true}")))
                .extracting(Violation::field)
                .containsExactly("target");
    }

    @Test
    void aRateLimitClaimsEachSourceWithItsTargetAndMatch() {
        RateLimitKind kind = new RateLimitKind();
        RateLimit posts = (RateLimit) read(FULL).spec();
        RateLimit all = new RateLimit(10, Duration.ofSeconds(1), 0, null, 429);

        assertThat(kind.claims(GREETER, List.of(new ServiceSelector("frontend", Map.of()),
                new ServiceSelector("batch", Map.of("tier", "low"))), posts))
                .containsExactly(
                        "service greeter from service batch subset tier=low for POST path prefix /api/",
                        "service greeter from service frontend for POST path prefix /api/");
        assertThat(kind.claims(new Target.Service(new ServiceSelector("greeter", Map.of("version", "v2"))), List.of(), all))
                .containsExactly("service greeter subset version=v2 from every source for every request");
    }

    @Test
    void limitsForOtherSourcesOrOtherRequestsDoNotContradict() {
        RateLimitKind kind = new RateLimitKind();
        RateLimit posts = (RateLimit) read(FULL).spec();
        RateLimit gets = new RateLimit(100, Duration.ofSeconds(1), 0, new RateLimit.RequestMatch(null, "GET"), 429);
        List<ServiceSelector> frontend = List.of(new ServiceSelector("frontend", Map.of()));

        assertThat(kind.claims(GREETER, frontend, posts)).doesNotContainAnyElementsOf(kind.claims(GREETER, frontend, gets));
        assertThat(kind.claims(GREETER, frontend, posts))
                .doesNotContainAnyElementsOf(kind.claims(GREETER, List.of(new ServiceSelector("batch", Map.of())), posts));
        assertThat(kind.claims(GREETER, frontend, posts)).doesNotContainAnyElementsOf(kind.claims(GREETER, List.of(), posts));
        assertThat(kind.claims(GREETER, frontend, posts))
                .isEqualTo(kind.claims(GREETER, frontend, new RateLimit(1, Duration.ofHours(1), 5, posts.match(), 429)));
    }

    @Test
    void withoutItsSourcesARateLimitClaimsNothing() {
        assertThat(new RateLimitKind().claims(GREETER, (RateLimit) read(FULL).spec())).isEmpty();
    }

    @Test
    void theCompiledConfigCarriesEverySetting() throws IOException {
        PolicyDocument everyone = read("""
                {"kind": "RateLimit", "name": "greeter-all", "target": {"service": "greeter", "subset": {"version": "v2"}},
                 "spec": {"requests": 1000, "interval": "1m", "match": {"path": {"exact": "/login"}}}}""");
        TenantState state = new TenantState("acme", 9,
                List.of(new ClusterInfo("east", "us-east1", "b", "net-1", Map.of())),
                List.of("frontend"), List.of(read(FULL), everyone));

        DesiredConfig east = DesiredConfigCompiler.compile(state).get("east");

        Golden.assertMatches(GOLDEN, "compiled.golden.json", JsonFormat.printer().print(east));
    }

    @Test
    void anyValidRateLimitReadsBackFromItsCanonicalJson() {
        RateLimitKind kind = new RateLimitKind();
        Gen<RateLimit> rateLimits = random -> new RateLimit(Gen.integers(1, 1_000_000).next(random),
                Duration.ofMillis(Gen.integers(100, 3_600_000).next(random)), Gen.integers(0, 1_000_000).next(random), null,
                Gen.integers(400, 599).next(random));

        ForAll.cases(200, rateLimits, spec ->
                assertThat(read(withSpec(PolicyJson.toText(kind.writeSpec(spec)))).spec()).isEqualTo(spec));
    }

    @Test
    void anySpecIsEitherReadBackOrRefusedByFieldPaths() {
        MangledSpecs.assertEachReadBackOrRefusedBelowSpec(500, VALID, FIELDS, NESTED_FIELDS, RateLimitKindTest::withSpec);
    }

    private static String withSpec(String spec) {
        return PolicyDocuments.withSpec("RateLimit", "rl", spec);
    }
}

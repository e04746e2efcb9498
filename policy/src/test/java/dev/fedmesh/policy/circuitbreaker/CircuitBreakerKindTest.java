package dev.fedmesh.policy.circuitbreaker;

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

class CircuitBreakerKindTest {
    private static final Path GOLDEN = Path.of("src/test/resources/testdata/circuitbreaker");
    private static final List<String> FIELDS = List.of("maxConnections", "maxPendingRequests", "maxRequests", "maxRetries", "outlierDetection", "colour");
    private static final Map<String, String> VALID = Map.of(
            "maxConnections", "1024", "maxPendingRequests", "512", "maxRequests", "2048", "maxRetries", "0",
            "outlierDetection", "{\"consecutive5xx\": 5, \"interval\": \"10s\", \"maxEjectionPercent\": 50}");
    private static final List<String> NESTED_FIELDS = List.of("consecutive5xx", "consecutiveGatewayErrors", "interval", "baseEjectionTime", "maxEjectionPercent", "failurePercentage", "colour");
    private static final String FULL = """
            {"kind": "CircuitBreaker", "name": "greeter-limits", "target": {"service": "greeter"},
             "spec": {"maxConnections": 1024, "maxPendingRequests": 512, "maxRequests": 2048, "maxRetries": 3,
                      "outlierDetection": {"consecutive5xx": 5, "consecutiveGatewayErrors": 4, "interval": "10s",
                                           "baseEjectionTime": "30s", "maxEjectionPercent": 50,
                                           "failurePercentage": {"threshold": 60, "minimumHosts": 3, "requestVolume": 20}}}}
            """;

    @Test
    void aFullCircuitBreakerIsReadWithEveryField() {
        CircuitBreaker spec = (CircuitBreaker) read(FULL).spec();

        assertThat(spec).isEqualTo(new CircuitBreaker(1024, 512, 2048, 3, new CircuitBreaker.OutlierDetection(
                5, 4, Duration.ofSeconds(10), Duration.ofSeconds(30), 50, new CircuitBreaker.FailurePercentage(60, 3, 20))));
    }

    @Test
    void writingAndReadingBackGivesTheSameDocument() {
        PolicyDocument document = read(FULL);

        assertThat(read(PolicyJson.toText(PolicyJson.write(document)))).isEqualTo(document);
    }

    @Test
    void oneSettingIsEnoughAndTheRestStayUnset() {
        CircuitBreaker spec = (CircuitBreaker) read(withSpec("{\"maxRetries\": 0}")).spec();

        assertThat(spec).isEqualTo(new CircuitBreaker(null, null, null, 0, null));
        assertThat(PolicyJson.toText(new CircuitBreakerKind().writeSpec(spec))).isEqualTo("{\"maxRetries\":0}");
    }

    @Test
    void anEmptyOutlierDetectionTurnsItOnWithTheProxyDefaults() {
        CircuitBreaker spec = (CircuitBreaker) read(withSpec("{\"outlierDetection\": {}}")).spec();

        assertThat(spec.outlierDetection()).isEqualTo(new CircuitBreaker.OutlierDetection(null, null, null, null, null, null));
        assertThat(read(PolicyJson.toText(PolicyJson.write(read(withSpec("{\"outlierDetection\": {}}"))))).spec())
                .isEqualTo(spec);
    }

    @Test
    void anEmptyFailurePercentageTurnsItOnWithItsDefaultsAndReadsBack() {
        String json = withSpec("{\"outlierDetection\": {\"failurePercentage\": {}}}");
        CircuitBreaker spec = (CircuitBreaker) read(json).spec();

        assertThat(spec.outlierDetection().failurePercentage()).isEqualTo(new CircuitBreaker.FailurePercentage(null, null, null));
        assertThat(read(PolicyJson.toText(PolicyJson.write(read(json)))).spec()).isEqualTo(spec);
    }

    @Test
    void anOutOfRangeFailureThresholdSaysTheRange() {
        assertThat(violations(withSpec("{\"outlierDetection\": {\"failurePercentage\": {\"threshold\": 101}}}")))
                .containsExactly(new Violation("spec.outlierDetection.failurePercentage.threshold",
                        "must be between 0 and 100, not 101"));
    }

    @Test
    void aSpecThatSetsNothingNamesWhatToSet() {
        assertThat(violations(withSpec("{}")))
                .singleElement()
                .satisfies(v -> {
                    assertThat(v.field()).isEqualTo("spec.maxConnections");
                    assertThat(v.problem()).contains("at least one of").contains("outlierDetection");
                });
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"maxConnections\": 0}                                 | spec.maxConnections",
            "{\"maxPendingRequests\": 1000001}                       | spec.maxPendingRequests",
            "{\"maxRequests\": -1}                                   | spec.maxRequests",
            "{\"maxRetries\": 1000001}                               | spec.maxRetries",
            "{\"maxConnections\": 1.5}                               | spec.maxConnections",
            "{\"maxConnections\": \"1024\"}                          | spec.maxConnections",
            "{\"maxConnections\": 99999999999999999999}              | spec.maxConnections",
            "{\"outlierDetection\": 5}                               | spec.outlierDetection",
            "{\"outlierDetection\": {\"consecutive5xx\": 0}}         | spec.outlierDetection.consecutive5xx",
            "{\"outlierDetection\": {\"consecutiveGatewayErrors\": true}} | spec.outlierDetection.consecutiveGatewayErrors",
            "{\"outlierDetection\": {\"interval\": \"50ms\"}}        | spec.outlierDetection.interval",
            "{\"outlierDetection\": {\"interval\": 10}}              | spec.outlierDetection.interval",
            "{\"outlierDetection\": {\"baseEjectionTime\": \"2h\"}}  | spec.outlierDetection.baseEjectionTime",
            "{\"outlierDetection\": {\"baseEjectionTime\": \"30 s\"}} | spec.outlierDetection.baseEjectionTime",
            "{\"outlierDetection\": {\"maxEjectionPercent\": 101}}   | spec.outlierDetection.maxEjectionPercent",
            "{\"outlierDetection\": {\"interval\": \"<script>alert(1)</script>\"}} | spec.outlierDetection.interval",
            "{\"outlierDetection\": {\"interval\": \"1s'; DROP TABLE policies; --\"}} | spec.outlierDetection.interval",
            "{\"maxConnections\": 10, \"maxConnectoins\": 10}        | spec.maxConnectoins",
            "{\"outlierDetection\": {\"consecutiveErrors\": 5}}      | spec.outlierDetection.consecutiveErrors",
            "{\"outlierDetection\": {\"failurePercentage\": 50}}     | spec.outlierDetection.failurePercentage",
            "{\"outlierDetection\": {\"failurePercentage\": {\"threshold\": 101}}} | spec.outlierDetection.failurePercentage.threshold",
            "{\"outlierDetection\": {\"failurePercentage\": {\"minimumHosts\": 0}}} | spec.outlierDetection.failurePercentage.minimumHosts",
            "{\"outlierDetection\": {\"failurePercentage\": {\"requestVolume\": 0}}} | spec.outlierDetection.failurePercentage.requestVolume",
            "{\"outlierDetection\": {\"failurePercentage\": {\"percent\": 50}}} | spec.outlierDetection.failurePercentage.percent",
    })
    void aBadSettingIsRefusedByItsPath(String spec, String field) {
        assertThat(violations(withSpec(spec))).extracting(Violation::field).containsExactly(field);
    }

    @Test
    void anOutOfRangeCountSaysTheRangeAndTheValue() {
        assertThat(violations(withSpec("{\"maxConnections\": 0}")))
                .containsExactly(new Violation("spec.maxConnections", "must be between 1 and 1000000, not 0"));
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        assertThat(violations(withSpec("{\"maxConnections\": 0, \"maxRequests\": \"x\", "
                + "\"outlierDetection\": {\"maxEjectionPercent\": 200, \"colour\": \"red\"}}")))
                .extracting(Violation::field)
                .containsExactlyInAnyOrder("spec.maxConnections", "spec.maxRequests",
                        "spec.outlierDetection.maxEjectionPercent", "spec.outlierDetection.colour");
    }

    @Test
    void theWholeMeshAndASubsetAreTargetsToo() {
        assertThat(read(FULL.replace("{\"service\": \"greeter\"}", "{\"mesh\": true}")).target())
                .isEqualTo(new Target.Mesh());
        assertThat(read(FULL.replace("{\"service\": \"greeter\"}", "{\"service\": \"greeter\", \"subset\": {\"version\": \"v2\"}}"))
                .target())
                .isEqualTo(new Target.Service(new ServiceSelector("greeter", Map.of("version", "v2"))));
    }

    @Test
    void aCircuitBreakerForSomeSourcesIsRefused() {
        assertThat(violations(FULL.replace("\"target\"", "\"from\": [{\"service\": \"frontend\"}], \"target\"")))
                .extracting(Violation::field)
                .containsExactly("from");
    }

    @Test
    void aCircuitBreakerClaimsItsTarget() {
        CircuitBreakerKind kind = new CircuitBreakerKind();
        CircuitBreaker spec = new CircuitBreaker(1, null, null, null, null);

        assertThat(kind.claims(new Target.Mesh(), spec)).containsExactly("mesh");
        assertThat(kind.claims(new Target.Service(new ServiceSelector("greeter", Map.of())), spec))
                .containsExactly("service greeter");
        assertThat(kind.claims(new Target.Service(new ServiceSelector("greeter", Map.of("version", "v2", "track", "canary"))), spec))
                .containsExactly("service greeter subset track=canary,version=v2");
    }

    @Test
    void twoCircuitBreakersForTheSameServiceClaimTheSameKeyWhateverTheirSettings() {
        CircuitBreakerKind kind = new CircuitBreakerKind();
        Target greeter = new Target.Service(new ServiceSelector("greeter", Map.of()));

        assertThat(kind.claims(greeter, new CircuitBreaker(1, null, null, null, null)))
                .isEqualTo(kind.claims(greeter, new CircuitBreaker(null, 5, null, null, null)));
    }

    @Test
    void theCompiledConfigCarriesEverySetting() throws IOException {
        PolicyDocument mesh = read("""
                {"kind": "CircuitBreaker", "name": "mesh-defaults", "target": {"mesh": true},
                 "spec": {"maxRetries": 0, "outlierDetection": {}}}""");
        TenantState state = new TenantState("acme", 4,
                List.of(new ClusterInfo("east", "us-east1", "b", "net-1", Map.of())),
                List.of(), List.of(read(FULL), mesh));

        DesiredConfig east = DesiredConfigCompiler.compile(state).get("east");

        Golden.assertMatches(GOLDEN, "compiled.golden.json", JsonFormat.printer().print(east));
    }

    @Test
    void anyValidCircuitBreakerReadsBackFromItsCanonicalJson() {
        CircuitBreakerKind kind = new CircuitBreakerKind();
        Gen<CircuitBreaker> breakers = random -> new CircuitBreaker(Gen.integers(1, 1_000_000).next(random), null, null,
                Gen.integers(0, 1_000_000).next(random), new CircuitBreaker.OutlierDetection(null, null,
                Duration.ofMillis(Gen.integers(100, 3_600_000).next(random)), null, Gen.integers(0, 100).next(random),
                new CircuitBreaker.FailurePercentage(Gen.integers(0, 100).next(random), null, null)));

        ForAll.cases(200, breakers, spec ->
                assertThat(read(withSpec(PolicyJson.toText(kind.writeSpec(spec)))).spec()).isEqualTo(spec));
    }

    @Test
    void anySpecIsEitherReadBackOrRefusedByFieldPaths() {
        MangledSpecs.assertEachReadBackOrRefusedBelowSpec(500, VALID, FIELDS, NESTED_FIELDS, CircuitBreakerKindTest::withSpec);
    }

    private static String withSpec(String spec) {
        return PolicyDocuments.withSpec("CircuitBreaker", "cb", spec);
    }
}

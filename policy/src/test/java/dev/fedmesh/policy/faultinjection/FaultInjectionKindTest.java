package dev.fedmesh.policy.faultinjection;

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

class FaultInjectionKindTest {
    private static final Path GOLDEN = Path.of("src/test/resources/testdata/faultinjection");
    private static final List<String> FIELDS = List.of("delay", "abort", "colour");
    private static final Map<String, String> VALID = Map.of(
            "delay", "{\"duration\": \"2s\", \"percentage\": 10}",
            "abort", "{\"grpcStatus\": \"UNAVAILABLE\", \"percentage\": 5}");
    private static final List<String> NESTED_FIELDS = List.of("duration", "percentage", "httpStatus", "grpcStatus", "colour");
    private static final Target GREETER = new Target.Service(new ServiceSelector("greeter", Map.of()));
    private static final String FULL = """
            {"kind": "FaultInjection", "name": "greeter-chaos", "target": {"service": "greeter"},
             "from": [{"service": "frontend"}],
             "spec": {"delay": {"duration": "2s", "percentage": 10},
                      "abort": {"httpStatus": 503, "percentage": 5}}}
            """;

    @Test
    void aFullFaultInjectionIsReadWithEveryField() {
        assertThat(read(FULL).spec()).isEqualTo(new FaultInjection(
                new FaultInjection.Delay(Duration.ofSeconds(2), 10),
                new FaultInjection.Abort(new FaultInjection.HttpStatus(503), 5)));
    }

    @Test
    void writingAndReadingBackGivesTheSameDocument() {
        PolicyDocument document = read(FULL);

        assertThat(read(PolicyJson.toText(PolicyJson.write(document)))).isEqualTo(document);
    }

    @Test
    void aGrpcAbortAloneIsEnough() {
        FaultInjection spec = (FaultInjection) read(withSpec(
                "{\"abort\": {\"grpcStatus\": \"UNAVAILABLE\", \"percentage\": 100}}")).spec();

        assertThat(spec).isEqualTo(new FaultInjection(null,
                new FaultInjection.Abort(new FaultInjection.GrpcStatus(FaultInjection.GrpcCode.UNAVAILABLE), 100)));
        assertThat(PolicyJson.toText(new FaultInjectionKind().writeSpec(spec)))
                .isEqualTo("{\"abort\":{\"grpcStatus\":\"UNAVAILABLE\",\"percentage\":100}}");
    }

    @Test
    void aSpecWithNeitherDelayNorAbortNamesBoth() {
        assertThat(violations(withSpec("{}")))
                .singleElement()
                .satisfies(v -> {
                    assertThat(v.field()).isEqualTo("spec.delay");
                    assertThat(v.problem()).contains("abort");
                });
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"delay\": {\"percentage\": 10}}                                  | spec.delay.duration",
            "{\"delay\": {\"duration\": \"2s\"}}                                | spec.delay.percentage",
            "{\"delay\": {\"duration\": \"0ms\", \"percentage\": 10}}           | spec.delay.duration",
            "{\"delay\": {\"duration\": \"11m\", \"percentage\": 10}}           | spec.delay.duration",
            "{\"delay\": {\"duration\": 2, \"percentage\": 10}}                 | spec.delay.duration",
            "{\"delay\": {\"duration\": \"2s\", \"percentage\": 101}}           | spec.delay.percentage",
            "{\"delay\": {\"duration\": \"2s\", \"percentage\": -1}}            | spec.delay.percentage",
            "{\"delay\": {\"duration\": \"2s\", \"percentage\": \"10%\"}}       | spec.delay.percentage",
            "{\"delay\": {\"duration\": \"2s\", \"percentage\": 10, \"fixed\": true}} | spec.delay.fixed",
            "{\"delay\": \"2s\"}                                                | spec.delay",
            "{\"abort\": {\"percentage\": 5}}                                   | spec.abort.httpStatus",
            "{\"abort\": {\"httpStatus\": 503}}                                 | spec.abort.percentage",
            "{\"abort\": {\"httpStatus\": 199, \"percentage\": 5}}              | spec.abort.httpStatus",
            "{\"abort\": {\"httpStatus\": 600, \"percentage\": 5}}              | spec.abort.httpStatus",
            "{\"abort\": {\"httpStatus\": \"503\", \"percentage\": 5}}          | spec.abort.httpStatus",
            "{\"abort\": {\"httpStatus\": 503, \"grpcStatus\": \"INTERNAL\", \"percentage\": 5}} | spec.abort.grpcStatus",
            "{\"abort\": {\"grpcStatus\": \"OK\", \"percentage\": 5}}           | spec.abort.grpcStatus",
            "{\"abort\": {\"grpcStatus\": \"unavailable\", \"percentage\": 5}}  | spec.abort.grpcStatus",
            "{\"abort\": {\"grpcStatus\": 14, \"percentage\": 5}}               | spec.abort.grpcStatus",
            "{\"abort\": {\"grpcStatus\": \"<script>alert(1)</script>\", \"percentage\": 5}} | spec.abort.grpcStatus",
            "{\"abort\": {\"grpcStatus\": \"INTERNAL'; DROP TABLE policies; --\", \"percentage\": 5}} | spec.abort.grpcStatus",
            "{\"abort\": {\"httpStatus\": 503, \"percentage\": 5, \"body\": \"x\"}} | spec.abort.body",
            "{\"abort\": [503]}                                                 | spec.abort",
            "{\"delay\": {\"duration\": \"2s\", \"percentage\": 10}, \"reset\": {}} | spec.reset",
    })
    void aBadSettingIsRefusedByItsPath(String spec, String field) {
        assertThat(violations(withSpec(spec))).extracting(Violation::field).containsExactly(field);
    }

    @Test
    void anUnknownGrpcStatusListsTheKnownOnes() {
        assertThat(violations(withSpec("{\"abort\": {\"grpcStatus\": \"OK\", \"percentage\": 5}}")))
                .singleElement()
                .satisfies(v -> assertThat(v.problem()).contains("'OK' is not one of").contains("UNAVAILABLE"));
    }

    @Test
    void aFractionOfAPercentIsAccepted() {
        PolicyDocument document = read(withSpec("{\"delay\": {\"duration\": \"2s\", \"percentage\": 0.5}}"));

        assertThat(PolicyJson.toText(PolicyJson.write(document))).contains("\"percentage\":0.5");
        assertThat(read(PolicyJson.toText(PolicyJson.write(document)))).isEqualTo(document);
    }

    @Test
    void aPercentageAbove100IsRefusedByItsPath() {
        assertThat(violations(withSpec("{\"delay\": {\"duration\": \"2s\", \"percentage\": 100.5}}")))
                .extracting(Violation::field)
                .containsExactly("spec.delay.percentage");
    }

    @Test
    void aFaultInjectionForTheWholeMeshIsRefused() {
        assertThat(violations(FULL.replace("\"target\": {\"service\": \"greeter\"}", "\"target\": {\"mesh\": true}")))
                .extracting(Violation::field)
                .containsExactly("target");
    }

    @Test
    void aFaultInjectionClaimsEachSourceOfItsTarget() {
        FaultInjectionKind kind = new FaultInjectionKind();
        FaultInjection spec = (FaultInjection) read(FULL).spec();

        assertThat(kind.claims(GREETER, List.of(new ServiceSelector("frontend", Map.of()),
                new ServiceSelector("batch", Map.of("tier", "low"))), spec))
                .containsExactly("service greeter from service batch subset tier=low", "service greeter from service frontend");
        assertThat(kind.claims(new Target.Service(new ServiceSelector("greeter", Map.of("version", "v2"))), List.of(), spec))
                .containsExactly("service greeter subset version=v2 from every source");
    }

    @Test
    void faultsForDifferentSourcesDoNotContradict() {
        FaultInjectionKind kind = new FaultInjectionKind();
        FaultInjection spec = (FaultInjection) read(FULL).spec();

        assertThat(kind.claims(GREETER, List.of(new ServiceSelector("frontend", Map.of())), spec))
                .doesNotContainAnyElementsOf(kind.claims(GREETER, List.of(new ServiceSelector("batch", Map.of())), spec))
                .doesNotContainAnyElementsOf(kind.claims(GREETER, List.of(), spec));
    }

    @Test
    void withoutItsSourcesAFaultInjectionClaimsNothing() {
        assertThat(new FaultInjectionKind().claims(GREETER, (FaultInjection) read(FULL).spec())).isEmpty();
    }

    @Test
    void theCompiledConfigCarriesEverySetting() throws IOException {
        PolicyDocument grpc = read("""
                {"kind": "FaultInjection", "name": "greeter-unavailable", "target": {"service": "greeter", "subset": {"version": "v2"}},
                 "spec": {"abort": {"grpcStatus": "UNAVAILABLE", "percentage": 50}}}""");
        TenantState state = new TenantState("acme", 11,
                List.of(new ClusterInfo("east", "us-east1", "b", "net-1", Map.of())),
                List.of("frontend"), List.of(read(FULL), grpc));

        DesiredConfig east = DesiredConfigCompiler.compile(state).get("east");

        Golden.assertMatches(GOLDEN, "compiled.golden.json", JsonFormat.printer().print(east));
    }

    @Test
    void anyValidFaultInjectionReadsBackFromItsCanonicalJson() {
        FaultInjectionKind kind = new FaultInjectionKind();
        Gen<FaultInjection> faults = random -> new FaultInjection(
                new FaultInjection.Delay(Duration.ofMillis(Gen.integers(1, 600_000).next(random)), Gen.integers(0, 100).next(random)),
                new FaultInjection.Abort(new FaultInjection.HttpStatus(Gen.integers(200, 599).next(random)),
                        Gen.integers(0, 100).next(random)));

        ForAll.cases(200, faults, spec ->
                assertThat(read(withSpec(PolicyJson.toText(kind.writeSpec(spec)))).spec()).isEqualTo(spec));
    }

    @Test
    void anySpecIsEitherReadBackOrRefusedByFieldPaths() {
        MangledSpecs.assertEachReadBackOrRefusedBelowSpec(500, VALID, FIELDS, NESTED_FIELDS, FaultInjectionKindTest::withSpec);
    }

    private static String withSpec(String spec) {
        return PolicyDocuments.withSpec("FaultInjection", "fi", spec);
    }
}

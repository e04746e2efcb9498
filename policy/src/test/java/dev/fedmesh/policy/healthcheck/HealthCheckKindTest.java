package dev.fedmesh.policy.healthcheck;

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

class HealthCheckKindTest {
    private static final Path GOLDEN = Path.of("src/test/resources/testdata/healthcheck");
    private static final List<String> FIELDS = List.of("interval", "timeout", "unhealthyThreshold", "healthyThreshold", "http", "grpc", "tcp", "colour");
    private static final Map<String, String> VALID = Map.of(
            "interval", "\"10s\"", "timeout", "\"1s\"", "unhealthyThreshold", "3", "healthyThreshold", "2",
            "http", "{\"path\": \"/healthz\"}", "grpc", "{\"serviceName\": \"greeter.v1.Greeter\"}", "tcp", "{}");
    private static final List<String> NESTED_FIELDS = List.of("path", "serviceName", "colour");
    private static final String FULL = """
            {"kind": "HealthCheck", "name": "greeter-health", "target": {"service": "greeter"},
             "spec": {"interval": "10s", "timeout": "1s", "unhealthyThreshold": 3, "healthyThreshold": 2,
                      "http": {"path": "/healthz"}}}
            """;

    @Test
    void aFullHealthCheckIsReadWithEveryField() {
        assertThat(read(FULL).spec()).isEqualTo(new HealthCheck(Duration.ofSeconds(10), Duration.ofSeconds(1), 3, 2,
                new HealthCheck.Http("/healthz", java.util.List.of(200))));
    }

    @Test
    void writingAndReadingBackGivesTheSameDocument() {
        PolicyDocument document = read(FULL);

        assertThat(read(PolicyJson.toText(PolicyJson.write(document)))).isEqualTo(document);
    }

    @Test
    void thresholdsDefaultToThreeAndOneAndAreWrittenOut() {
        HealthCheck spec = (HealthCheck) read(withSpec("{\"interval\": \"5s\", \"timeout\": \"500ms\", \"tcp\": {}}")).spec();

        assertThat(spec).isEqualTo(new HealthCheck(Duration.ofSeconds(5), Duration.ofMillis(500), 3, 1, new HealthCheck.Tcp()));
        assertThat(PolicyJson.toText(new HealthCheckKind().writeSpec(spec))).isEqualTo(
                "{\"interval\":\"5s\",\"timeout\":\"500ms\",\"unhealthyThreshold\":3,\"healthyThreshold\":1,\"tcp\":{}}");
    }

    @Test
    void aGrpcCheckAsksAboutTheWholeServerUnlessItNamesAService() {
        assertThat(((HealthCheck) read(withSpec("{\"interval\": \"5s\", \"timeout\": \"1s\", \"grpc\": {}}")).spec()).probe())
                .isEqualTo(new HealthCheck.Grpc(""));
        assertThat(((HealthCheck) read(withSpec(
                "{\"interval\": \"5s\", \"timeout\": \"1s\", \"grpc\": {\"serviceName\": \"greeter.v1.Greeter\"}}")).spec()).probe())
                .isEqualTo(new HealthCheck.Grpc("greeter.v1.Greeter"));
    }

    @Test
    void aTimeoutAsLongAsTheIntervalIsRefusedWithBoth() {
        assertThat(violations(withSpec("{\"interval\": \"5s\", \"timeout\": \"5s\", \"tcp\": {}}")))
                .containsExactly(new Violation("spec.timeout",
                        "is 5s but must be shorter than interval (5s), so one check ends before the next begins"));
    }

    @Test
    void intervalTimeoutAndAProtocolAreRequired() {
        assertThat(violations(withSpec("{}")))
                .extracting(Violation::field)
                .containsExactlyInAnyOrder("spec.interval", "spec.timeout", "spec.http");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"interval\": \"500ms\", \"timeout\": \"100ms\", \"tcp\": {}}     | spec.interval",
            "{\"interval\": \"2h\", \"timeout\": \"1s\", \"tcp\": {}}           | spec.interval",
            "{\"interval\": 10, \"timeout\": \"1s\", \"tcp\": {}}               | spec.interval",
            "{\"interval\": \"10s\", \"timeout\": \"1ms\", \"tcp\": {}}         | spec.timeout",
            "{\"interval\": \"10s\", \"timeout\": \"1.5s\", \"tcp\": {}}        | spec.timeout",
            "{\"interval\": \"10s\", \"timeout\": \"1s\", \"unhealthyThreshold\": 0, \"tcp\": {}}    | spec.unhealthyThreshold",
            "{\"interval\": \"10s\", \"timeout\": \"1s\", \"unhealthyThreshold\": 1001, \"tcp\": {}} | spec.unhealthyThreshold",
            "{\"interval\": \"10s\", \"timeout\": \"1s\", \"healthyThreshold\": \"2\", \"tcp\": {}}  | spec.healthyThreshold",
            "{\"interval\": \"10s\", \"timeout\": \"1s\", \"tcp\": {}, \"http\": {\"path\": \"/\"}}  | spec.tcp",
            "{\"interval\": \"10s\", \"timeout\": \"1s\", \"grpc\": {}, \"tcp\": {}}                 | spec.tcp",
            "{\"interval\": \"10s\", \"timeout\": \"1s\", \"tcp\": true}                             | spec.tcp",
            "{\"interval\": \"10s\", \"timeout\": \"1s\", \"tcp\": {\"port\": 8080}}                | spec.tcp.port",
            "{\"interval\": \"10s\", \"timeout\": \"1s\", \"http\": {}}                             | spec.http.path",
            "{\"interval\": \"10s\", \"timeout\": \"1s\", \"http\": {\"path\": \"healthz\"}}        | spec.http.path",
            "{\"interval\": \"10s\", \"timeout\": \"1s\", \"http\": {\"path\": 200}}                | spec.http.path",
            "{\"interval\": \"10s\", \"timeout\": \"1s\", \"http\": {\"path\": \"/<script>alert(1)</script>\"}} | spec.http.path",
            "{\"interval\": \"10s\", \"timeout\": \"1s\", \"http\": {\"path\": \"/x'; DROP TABLE policies; --\"}} | spec.http.path",
            "{\"interval\": \"10s\", \"timeout\": \"1s\", \"http\": {\"path\": \"/h\", \"method\": \"GET\"}} | spec.http.method",
            "{\"interval\": \"10s\", \"timeout\": \"1s\", \"grpc\": {\"serviceName\": 5}}           | spec.grpc.serviceName",
            "{\"interval\": \"10s\", \"timeout\": \"1s\", \"grpc\": {\"serviceName\": \"a b\"}}     | spec.grpc.serviceName",
            "{\"interval\": \"10s\", \"timeout\": \"1s\", \"grpc\": {\"serviceName\": \"<b>x</b>\"}} | spec.grpc.serviceName",
            "{\"interval\": \"10s\", \"timeout\": \"1s\", \"grpc\": {\"authority\": \"x\"}}         | spec.grpc.authority",
            "{\"interval\": \"10s\", \"timeout\": \"1s\", \"tcp\": {}, \"jitter\": \"1s\"}          | spec.jitter",
    })
    void aBadSettingIsRefusedByItsPath(String spec, String field) {
        assertThat(violations(withSpec(spec))).extracting(Violation::field).containsExactly(field);
    }

    @Test
    void aHealthCheckForTheWholeMeshOrSomeSourcesIsRefused() {
        assertThat(violations(FULL.replace("\"target\": {\"service\": \"greeter\"}",
                "\"target\": {\"mesh\": true}, \"from\": [{\"service\": \"frontend\"}]")))
                .extracting(Violation::field)
                .containsExactlyInAnyOrder("target", "from");
    }

    @Test
    void aHealthCheckClaimsItsServiceOrSubset() {
        HealthCheckKind kind = new HealthCheckKind();
        HealthCheck spec = (HealthCheck) read(FULL).spec();

        assertThat(kind.claims(new Target.Service(new ServiceSelector("greeter", Map.of())), spec))
                .containsExactly("service greeter");
        assertThat(kind.claims(new Target.Service(new ServiceSelector("greeter", Map.of("version", "v2"))), spec))
                .containsExactly("service greeter subset version=v2");
    }

    @Test
    void theCompiledConfigCarriesEverySetting() throws IOException {
        PolicyDocument grpc = read("""
                {"kind": "HealthCheck", "name": "greeter-v2-grpc", "target": {"service": "greeter", "subset": {"version": "v2"}},
                 "spec": {"interval": "30s", "timeout": "250ms", "grpc": {"serviceName": "greeter.v1.Greeter"}}}""");
        PolicyDocument tcp = read("""
                {"kind": "HealthCheck", "name": "inventory-tcp", "target": {"service": "inventory"},
                 "spec": {"interval": "1m", "timeout": "5s", "unhealthyThreshold": 10, "tcp": {}}}""");
        TenantState state = new TenantState("acme", 12,
                List.of(new ClusterInfo("east", "us-east1", "b", "net-1", Map.of())),
                List.of(), List.of(read(FULL), grpc, tcp));

        DesiredConfig east = DesiredConfigCompiler.compile(state).get("east");

        Golden.assertMatches(GOLDEN, "compiled.golden.json", JsonFormat.printer().print(east));
    }

    @Test
    void anHttpCheckMayExpectOtherStatuses() {
        PolicyDocument document = read(withSpec(
                "{\"interval\": \"10s\", \"timeout\": \"1s\", \"http\": {\"path\": \"/healthz\", \"expectedStatuses\": [204, 200]}}"));

        assertThat(((HealthCheck.Http) ((HealthCheck) document.spec()).probe()).expectedStatuses()).containsExactly(200, 204);
    }

    @Test
    void badExpectedStatusesAreRefusedByTheirPath() {
        String spec = "{\"interval\": \"10s\", \"timeout\": \"1s\", \"http\": {\"path\": \"/h\", \"expectedStatuses\": %s}}";
        for (String[] bad : new String[][] {{"[600]", "spec.http.expectedStatuses[0]"}, {"[]", "spec.http.expectedStatuses"},
                {"[200, 200]", "spec.http.expectedStatuses"}, {"\"200\"", "spec.http.expectedStatuses"}}) {
            assertThat(violations(withSpec(spec.formatted(bad[0])))).extracting(Violation::field).containsExactly(bad[1]);
        }
    }

    @Test
    void anyValidHealthCheckReadsBackFromItsCanonicalJson() {
        HealthCheckKind kind = new HealthCheckKind();
        Gen<HealthCheck> checks = random -> {
            int intervalMillis = Gen.integers(1000, 3_600_000).next(random);
            int timeoutMillis = Gen.integers(10, 3_599_999).next(random);
            return new HealthCheck(Duration.ofMillis(intervalMillis), Duration.ofMillis(Math.min(timeoutMillis, intervalMillis - 1)),
                    Gen.integers(1, 1000).next(random), Gen.integers(1, 1000).next(random), new HealthCheck.Tcp());
        };

        ForAll.cases(200, checks, spec ->
                assertThat(read(withSpec(PolicyJson.toText(kind.writeSpec(spec)))).spec()).isEqualTo(spec));
    }

    @Test
    void anySpecIsEitherReadBackOrRefusedByFieldPaths() {
        MangledSpecs.assertEachReadBackOrRefusedBelowSpec(500, VALID, FIELDS, NESTED_FIELDS, HealthCheckKindTest::withSpec);
    }

    private static String withSpec(String spec) {
        return PolicyDocuments.withSpec("HealthCheck", "hc", spec);
    }
}

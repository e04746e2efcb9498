package dev.fedmesh.policy.timeout;

import com.google.protobuf.util.JsonFormat;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.policy.compiler.ClusterInfo;
import dev.fedmesh.policy.compiler.DesiredConfigCompiler;
import dev.fedmesh.policy.compiler.TenantState;
import dev.fedmesh.policy.document.PolicyDocument;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.document.Violation;
import dev.fedmesh.policy.testing.ForAll;
import dev.fedmesh.policy.testing.Gen;
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

class TimeoutKindTest {
    private static final Path GOLDEN = Path.of("src/test/resources/testdata/timeout");
    private static final String FULL = """
            {"kind": "Timeout", "name": "greeter-timeouts", "target": {"service": "greeter"},
             "spec": {"connect": "2s", "request": "15000ms", "idle": "1h"}}
            """;

    private final TimeoutKind kind = new TimeoutKind();

    @Test
    void aFullTimeoutIsReadWithEveryField() {
        assertThat(read(FULL).spec()).isEqualTo(new Timeout(Duration.ofSeconds(2), Duration.ofSeconds(15), Duration.ofHours(1)));
    }

    @Test
    void writingAndReadingBackGivesTheSameDocument() {
        PolicyDocument document = read(FULL);

        assertThat(read(PolicyJson.toText(PolicyJson.write(document)))).isEqualTo(document);
        assertThat(PolicyJson.toText(kind.writeSpec((Timeout) document.spec())))
                .isEqualTo("{\"connect\":\"2s\",\"request\":\"15s\",\"idle\":\"1h\"}");
    }

    @Test
    void oneSettingIsEnoughAndTheRestStayUnset() {
        Timeout spec = (Timeout) read(withSpec("{\"request\": \"500ms\"}")).spec();

        assertThat(spec).isEqualTo(new Timeout(null, Duration.ofMillis(500), null));
        assertThat(PolicyJson.toText(kind.writeSpec(spec))).isEqualTo("{\"request\":\"500ms\"}");
        Policy.Builder wire = Policy.newBuilder();
        kind.writeSpec(spec, wire);
        assertThat(wire.getTimeout().getRequest().getNanos()).isEqualTo(500_000_000);
        assertThat(wire.getTimeout().hasConnect()).isFalse();
    }

    @Test
    void theTimeoutClaimsItsTargetSoTwoForOneServiceContradict() {
        PolicyDocument greeter = read(FULL);
        PolicyDocument mesh = read(FULL.replace("{\"service\": \"greeter\"}", "{\"mesh\": true}"));

        assertThat(kind.claims(greeter.target(), (Timeout) greeter.spec())).containsExactly("service greeter");
        assertThat(kind.claims(mesh.target(), (Timeout) mesh.spec())).containsExactly("mesh");
        assertThat(kind.references((Timeout) greeter.spec()).clusters()).isEmpty();
    }

    @Test
    void everyClusterGetsTheTimeoutInItsDesiredConfig() throws IOException {
        TenantState tenant = new TenantState("acme", 2,
                List.of(new ClusterInfo("east", "us-east1", "b", "net-1", Map.of())), List.of(), List.of(read(FULL)));

        DesiredConfig east = DesiredConfigCompiler.compile(tenant).get("east");

        assertThat(east.getPolicies(0).getTimeout().getRequest().getSeconds()).isEqualTo(15);
        Golden.assertMatches(GOLDEN, "service-timeouts.golden.json", JsonFormat.printer().print(east));
    }

    static Stream<Arguments> badInputs() {
        return Stream.of(
                arguments("{}", "spec.request"),
                arguments("{'request': null}", "spec.request"),
                arguments("{'request': 15}", "spec.request"),
                arguments("{'request': true}", "spec.request"),
                arguments("{'request': '15'}", "spec.request"),
                arguments("{'request': '15 s'}", "spec.request"),
                arguments("{'request': '-1s'}", "spec.request"),
                arguments("{'request': '1.5s'}", "spec.request"),
                arguments("{'request': '0ms'}", "spec.request"),
                arguments("{'request': '2h'}", "spec.request"),
                arguments("{'connect': '0s'}", "spec.connect"),
                arguments("{'connect': '2m'}", "spec.connect"),
                arguments("{'connect': ['1s']}", "spec.connect"),
                arguments("{'idle': '500ms'}", "spec.idle"),
                arguments("{'idle': '25h'}", "spec.idle"),
                arguments("{'idle': {'value': '1h'}}", "spec.idle"),
                arguments("{'request': '<script>alert(1)</script>'}", "spec.request"),
                arguments("{'request': '1sAPOS; DROP TABLE policies; --'}", "spec.request"),
                arguments("{'request': '1s', 'total': '5s'}", "spec.total"),
                arguments("{'request': '1s', 'Request': '5s'}", "spec.Request"));
    }

    @ParameterizedTest(name = "{0} is refused at {1}")
    @MethodSource("badInputs")
    void badInputIsRefusedNamingItsField(String spec, String field) {
        assertThat(violations(withSpec(spec.replace('\'', '"').replace("APOS", "'"))))
                .extracting(Violation::field).containsExactly(field);
    }

    @Test
    void aTimeoutForASubsetOrForSomeSourcesIsRefused() {
        assertThat(violations(FULL.replace("{\"service\": \"greeter\"}", "{\"service\": \"greeter\", \"subset\": {\"version\": \"v2\"}}")))
                .extracting(Violation::field).containsExactly("target.subset");
        assertThat(violations(FULL.replace("\"target\"", "\"from\": [{\"service\": \"frontend\"}], \"target\"")))
                .extracting(Violation::field).containsExactly("from");
    }

    @Test
    void anyValidTimeoutSurvivesTheRoundTripThroughItsCanonicalJson() {
        Gen<Timeout> timeouts = random -> {
            long connectMillis = Gen.longs(0, 60_000).next(random);
            long requestMillis = Gen.longs(0, 3_600_000).next(random);
            long idleSeconds = Gen.longs(0, 86_400).next(random);
            return new Timeout(connectMillis == 0 ? null : Duration.ofMillis(connectMillis),
                    Duration.ofMillis(Math.max(1, requestMillis)), idleSeconds == 0 ? null : Duration.ofSeconds(idleSeconds));
        };

        ForAll.cases(200, timeouts, spec ->
                assertThat(read(withSpec(PolicyJson.toText(kind.writeSpec(spec)))).spec()).isEqualTo(spec));
    }

    private static String withSpec(String spec) {
        return PolicyDocuments.withSpec("Timeout", "t", spec);
    }
}

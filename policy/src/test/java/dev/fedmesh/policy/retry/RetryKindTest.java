package dev.fedmesh.policy.retry;

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

class RetryKindTest {
    private static final Path GOLDEN = Path.of("src/test/resources/testdata/retry");
    private static final String FULL = """
            {"kind": "Retry", "name": "greeter-retries", "target": {"service": "greeter"},
             "spec": {"attempts": 3, "perTryTimeout": "500ms",
                      "retryOn": ["unavailable", "reset", "connect-failure", "5xx", "gateway-error", "retriable-4xx",
                                  "cancelled", "deadline-exceeded", "internal", "resource-exhausted"],
                      "backoff": {"base": "25ms", "max": "250ms"}}}
            """;

    private final RetryKind kind = new RetryKind();

    @Test
    void aFullRetryIsReadWithEveryField() {
        Retry spec = (Retry) read(FULL).spec();

        assertThat(spec.attempts()).isEqualTo(3);
        assertThat(spec.perTryTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(spec.retryOn()).containsExactlyInAnyOrderElementsOf(RetryKind.CONDITIONS).isSorted();
        assertThat(spec.backoff()).isEqualTo(new Retry.Backoff(Duration.ofMillis(25), Duration.ofMillis(250)));
    }

    @Test
    void writingAndReadingBackGivesTheSameDocument() {
        PolicyDocument document = read(FULL);

        assertThat(read(PolicyJson.toText(PolicyJson.write(document)))).isEqualTo(document);
    }

    @Test
    void onlyAttemptsAndConditionsAreRequired() {
        Retry spec = (Retry) read(withSpec("{\"attempts\": 1, \"retryOn\": [\"unavailable\", \"connect-failure\"]}")).spec();

        assertThat(spec).isEqualTo(new Retry(1, null, List.of("connect-failure", "unavailable"), null));
        assertThat(PolicyJson.toText(kind.writeSpec(spec)))
                .isEqualTo("{\"attempts\":1,\"retryOn\":[\"connect-failure\",\"unavailable\"]}");
        Policy.Builder wire = Policy.newBuilder();
        kind.writeSpec(spec, wire);
        assertThat(wire.getRetry().getAttempts()).isEqualTo(1);
        assertThat(wire.getRetry().hasBackoff()).isFalse();
    }

    @Test
    void aBackoffWithoutMaxLeavesItToTheProxy() {
        Retry spec = (Retry) read(withSpec("{\"attempts\": 2, \"retryOn\": [\"5xx\"], \"backoff\": {\"base\": \"1s\"}}")).spec();

        assertThat(spec.backoff()).isEqualTo(new Retry.Backoff(Duration.ofSeconds(1), null));
    }

    @Test
    void theRetryClaimsItsTargetSoTwoForOneServiceContradict() {
        PolicyDocument greeter = read(FULL);
        PolicyDocument mesh = read(FULL.replace("{\"service\": \"greeter\"}", "{\"mesh\": true}"));

        assertThat(kind.claims(greeter.target(), (Retry) greeter.spec())).containsExactly("service greeter");
        assertThat(kind.claims(mesh.target(), (Retry) mesh.spec())).containsExactly("mesh");
        assertThat(kind.references((Retry) greeter.spec()).clusters()).isEmpty();
    }

    @Test
    void everyClusterGetsTheRetryInItsDesiredConfig() throws IOException {
        TenantState tenant = new TenantState("acme", 5,
                List.of(new ClusterInfo("east", "us-east1", "b", "net-1", Map.of())), List.of(), List.of(read(FULL)));

        DesiredConfig east = DesiredConfigCompiler.compile(tenant).get("east");

        assertThat(east.getPolicies(0).getRetry().getAttempts()).isEqualTo(3);
        Golden.assertMatches(GOLDEN, "service-retries.golden.json", JsonFormat.printer().print(east));
    }

    static Stream<Arguments> badInputs() {
        String on = ", 'retryOn': ['5xx']";
        return Stream.of(
                arguments("{'retryOn': ['5xx']}", "spec.attempts"),
                arguments("{'attempts': 0" + on + "}", "spec.attempts"),
                arguments("{'attempts': 11" + on + "}", "spec.attempts"),
                arguments("{'attempts': 2.5" + on + "}", "spec.attempts"),
                arguments("{'attempts': '3'" + on + "}", "spec.attempts"),
                arguments("{'attempts': 99999999999999999999" + on + "}", "spec.attempts"),
                arguments("{'attempts': 3}", "spec.retryOn"),
                arguments("{'attempts': 3, 'retryOn': []}", "spec.retryOn"),
                arguments("{'attempts': 3, 'retryOn': '5xx'}", "spec.retryOn"),
                arguments("{'attempts': 3, 'retryOn': [5]}", "spec.retryOn[0]"),
                arguments("{'attempts': 3, 'retryOn': ['5xx', 'teapot']}", "spec.retryOn[1]"),
                arguments("{'attempts': 3, 'retryOn': ['5xx', '5xx']}", "spec.retryOn[1]"),
                arguments("{'attempts': 3, 'retryOn': ['5XX']}", "spec.retryOn[0]"),
                arguments("{'attempts': 3, 'retryOn': ['<script>alert(1)</script>']}", "spec.retryOn[0]"),
                arguments("{'attempts': 3, 'retryOn': ['5xxAPOS; DROP TABLE policies; --']}", "spec.retryOn[0]"),
                arguments("{'attempts': 3" + on + ", 'perTryTimeout': '0ms'}", "spec.perTryTimeout"),
                arguments("{'attempts': 3" + on + ", 'perTryTimeout': '2h'}", "spec.perTryTimeout"),
                arguments("{'attempts': 3" + on + ", 'perTryTimeout': 500}", "spec.perTryTimeout"),
                arguments("{'attempts': 3" + on + ", 'backoff': '25ms'}", "spec.backoff"),
                arguments("{'attempts': 3" + on + ", 'backoff': {}}", "spec.backoff.base"),
                arguments("{'attempts': 3" + on + ", 'backoff': {'max': '1s'}}", "spec.backoff.base"),
                arguments("{'attempts': 3" + on + ", 'backoff': {'base': '2m'}}", "spec.backoff.base"),
                arguments("{'attempts': 3" + on + ", 'backoff': {'base': '1s', 'max': '11m'}}", "spec.backoff.max"),
                arguments("{'attempts': 3" + on + ", 'backoff': {'base': '1s', 'max': '500ms'}}", "spec.backoff.max"),
                arguments("{'attempts': 3" + on + ", 'backoff': {'base': '1s', 'jitter': 0.1}}", "spec.backoff.jitter"),
                arguments("{'attempts': 3" + on + ", 'retries': 3}", "spec.retries"));
    }

    @ParameterizedTest(name = "{0} is refused at {1}")
    @MethodSource("badInputs")
    void badInputIsRefusedNamingItsField(String spec, String field) {
        assertThat(violations(withSpec(spec.replace('\'', '"').replace("APOS", "'"))))
                .extracting(Violation::field).contains(field);
    }

    @Test
    void aRetryForASubsetOrForSomeSourcesIsRefused() {
        assertThat(violations(FULL.replace("{\"service\": \"greeter\"}", "{\"service\": \"greeter\", \"subset\": {\"version\": \"v2\"}}")))
                .extracting(Violation::field).containsExactly("target.subset");
        assertThat(violations(FULL.replace("\"target\"", "\"from\": [{\"service\": \"frontend\"}], \"target\"")))
                .extracting(Violation::field).containsExactly("from");
    }

    @Test
    void anyValidRetrySurvivesTheRoundTripThroughItsCanonicalJson() {
        ForAll.cases(200, retries(), spec ->
                assertThat(read(withSpec(PolicyJson.toText(kind.writeSpec(spec)))).spec()).isEqualTo(spec));
    }

    private static Gen<Retry> retries() {
        Gen<Duration> perTry = Gen.longs(1, 3_600_000).map(Duration::ofMillis).orNull(0.3);
        Gen<List<String>> retryOn = Gen.of(RetryKind.CONDITIONS).uniqueList(1, RetryKind.CONDITIONS.size());
        Gen<Long> base = Gen.longs(1, 60_000);
        Gen<Long> extra = Gen.longs(0, 540_000).orNull(0.3);
        Gen<Retry.Backoff> backoff = ((Gen<Retry.Backoff>) random -> {
            long baseMillis = base.next(random);
            Long extraMillis = extra.next(random);
            return new Retry.Backoff(Duration.ofMillis(baseMillis),
                    extraMillis == null ? null : Duration.ofMillis(baseMillis + extraMillis));
        }).orNull(0.3);
        Gen<Integer> attempts = Gen.integers(1, 10);
        return random -> new Retry(attempts.next(random), perTry.next(random), retryOn.next(random), backoff.next(random));
    }

    private static String withSpec(String spec) {
        return PolicyDocuments.withSpec("Retry", "r", spec);
    }
}

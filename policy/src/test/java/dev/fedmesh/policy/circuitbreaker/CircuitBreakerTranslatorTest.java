package dev.fedmesh.policy.circuitbreaker;

import static dev.fedmesh.policy.testing.PolicyDocuments.wire;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.JsonFormat;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.policy.testing.Golden;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.Service;
import dev.fedmesh.policy.xds.EnvoyConstraints;
import dev.fedmesh.policy.xds.ProxyConfigTranslator;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.policy.xds.XdsResources;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

class CircuitBreakerTranslatorTest {

    private static final Path GOLDEN = Path.of("src/test/resources/testdata/circuitbreaker");
    private static final String FULL = """
            {"kind": "CircuitBreaker", "name": "greeter-limits", "target": {"service": "greeter"},
             "spec": {"maxConnections": 1024, "maxPendingRequests": 512, "maxRequests": 2048, "maxRetries": 3,
                      "outlierDetection": {"consecutive5xx": 5, "consecutiveGatewayErrors": 4, "interval": "10s",
                                           "baseEjectionTime": "30s", "maxEjectionPercent": 50,
                                           "failurePercentage": {"threshold": 60, "minimumHosts": 3, "requestVolume": 20}}}}""";
    private static final List<Policy> MESH_SERVICE_SUBSET = wire("""
            {"kind": "CircuitBreaker", "name": "mesh-limits", "target": {"mesh": true}, "spec": {"maxRequests": 100}}""", """
            {"kind": "CircuitBreaker", "name": "greeter-limits", "target": {"service": "greeter"}, "spec": {"maxRequests": 20}}""", """
            {"kind": "CircuitBreaker", "name": "greeter-v2-limits", "target": {"service": "greeter", "subset": {"version": "v2"}},
             "spec": {"maxRequests": 3}}""");

    @Test
    void everySettingBecomesEnvoysThresholdsAndOutlierDetectionWithinEnvoysConstraints() throws Exception {
        List<Policy> policies = wire(FULL);

        CircuitBreakers breakers = CircuitBreakerTranslator.circuitBreakers("greeter", policies).orElseThrow();
        OutlierDetection detection = CircuitBreakerTranslator.outlierDetection("greeter", policies).orElseThrow();

        assertThat(breakers.getThresholdsList()).singleElement().satisfies(thresholds -> {
            assertThat(thresholds.getPriority()).isEqualTo(RoutingPriority.DEFAULT);
            assertThat(thresholds.getMaxRequests().getValue()).isEqualTo(2048);
        });
        assertThat(detection.getEnforcingFailurePercentage().getValue()).isEqualTo(100);
        assertThat(detection.getFailurePercentageThreshold().getValue()).isEqualTo(60);
        assertThat(EnvoyConstraints.violations(breakers)).isEmpty();
        assertThat(EnvoyConstraints.violations(detection)).isEmpty();
        Golden.assertMatches(GOLDEN, "translated.golden.json",
                "[" + JsonFormat.printer().print(breakers) + ",\n" + JsonFormat.printer().print(detection) + "]");
    }

    @Test
    void withoutFailurePercentageItIsWrittenOffSoGrpcDoesNotTurnItOnByDefault() {
        OutlierDetection detection = CircuitBreakerTranslator.outlierDetection("greeter", wire("""
                {"kind": "CircuitBreaker", "name": "cb", "target": {"service": "greeter"},
                 "spec": {"outlierDetection": {"consecutive5xx": 3}}}""")).orElseThrow();

        assertThat(detection.hasEnforcingFailurePercentage()).isTrue();
        assertThat(detection.getEnforcingFailurePercentage().getValue()).isZero();
        assertThat(detection.getConsecutive5Xx().getValue()).isEqualTo(3);
    }

    @Test
    void consecutiveGatewayErrorsAreEnforcedSinceEnvoyLeavesThemOffByDefault() {
        OutlierDetection detection = CircuitBreakerTranslator.outlierDetection("greeter", wire("""
                {"kind": "CircuitBreaker", "name": "cb", "target": {"service": "greeter"},
                 "spec": {"outlierDetection": {"consecutiveGatewayErrors": 2}}}""")).orElseThrow();

        assertThat(detection.getConsecutiveGatewayFailure().getValue()).isEqualTo(2);
        assertThat(detection.getEnforcingConsecutiveGatewayFailure().getValue()).isEqualTo(100);
    }

    @Test
    void theMostSpecificCircuitBreakerDecidesForEachCluster() {
        assertThat(maxRequests("greeter", Map.of("version", "v2", "zone", "a"))).isEqualTo(3);
        assertThat(maxRequests("greeter", Map.of("version", "v1"))).isEqualTo(20);
        assertThat(maxRequests("greeter", Map.of())).isEqualTo(20);
        assertThat(maxRequests("frontend", Map.of("version", "v2"))).isEqualTo(100);
    }

    @Test
    void aCircuitBreakerWithoutThresholdsOrOutlierDetectionLeavesTheClusterAlone() {
        List<Policy> onlyDetection = wire("""
                {"kind": "CircuitBreaker", "name": "cb", "target": {"mesh": true}, "spec": {"outlierDetection": {}}}""");

        assertThat(CircuitBreakerTranslator.circuitBreakers("greeter", onlyDetection)).isEmpty();
        assertThat(CircuitBreakerTranslator.outlierDetection("greeter", onlyDetection)).isPresent();
        assertThat(CircuitBreakerTranslator.outlierDetection("greeter", MESH_SERVICE_SUBSET)).isEmpty();
        assertThat(CircuitBreakerTranslator.circuitBreakers("greeter", List.of())).isEmpty();
    }

    @Test
    void theProxyConfigGivesEachClusterItsSubsetsCircuitBreaker() {
        List<Policy> policies = new ArrayList<>(MESH_SERVICE_SUBSET);
        policies.addAll(wire("""
                {"kind": "TrafficRoute", "name": "canary", "target": {"service": "greeter"},
                 "spec": {"split": [{"subset": {"version": "v1"}, "weight": 90}, {"subset": {"version": "v2"}, "weight": 10}]}}"""));
        DesiredConfig config = DesiredConfig.newBuilder().setTenant("acme").setCluster("east").setRevision(1)
                .addServices(Service.newBuilder().setName("greeter"))
                .addServices(Service.newBuilder().setName("frontend"))
                .addAllPolicies(policies)
                .build();

        XdsResources resources = new ProxyConfigTranslator().translate(config, List.of(
                new ServiceEndpoint("greeter", "10.0.0.1", 8080, Map.of("version", "v1")),
                new ServiceEndpoint("greeter", "10.0.0.2", 8080, Map.of("version", "v2")),
                new ServiceEndpoint("frontend", "10.0.1.1", 9090, Map.of())));

        assertThat(resources.clusters()).extracting(Cluster::getName, c -> c.getCircuitBreakers().getThresholds(0)
                        .getMaxRequests().getValue())
                .containsExactly(Tuple.tuple("outbound|frontend", 100),
                        Tuple.tuple("outbound|greeter|version=v1", 20),
                        Tuple.tuple("outbound|greeter|version=v2", 3));
        assertThat(resources.clusters()).allSatisfy(cluster -> assertThat(cluster.getLrsServer().hasSelf())
                .as("%s reports load, so grpc-java counts its requests", cluster.getName()).isTrue());
        EnvoyConstraints.assertAllValid(resources);
    }

    private static int maxRequests(String service, Map<String, String> subset) {
        return CircuitBreakerTranslator.circuitBreakers(service, subset, MESH_SERVICE_SUBSET).orElseThrow()
                .getThresholds(0).getMaxRequests().getValue();
    }
}

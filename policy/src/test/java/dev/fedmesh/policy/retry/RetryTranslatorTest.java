package dev.fedmesh.policy.retry;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Durations;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.api.v1.RetrySpec;
import dev.fedmesh.api.v1.ServiceSubset;
import dev.fedmesh.api.v1.Target;
import dev.fedmesh.api.v1.TrafficRouteMatch;
import dev.fedmesh.api.v1.TrafficRouteRule;
import dev.fedmesh.api.v1.TrafficRouteSpec;
import dev.fedmesh.policy.testing.Golden;
import dev.fedmesh.policy.xds.DesiredConfigs;
import dev.fedmesh.policy.xds.EnvoyConstraints;
import dev.fedmesh.policy.xds.ProxyConfigTranslator;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.policy.xds.XdsJson;
import dev.fedmesh.policy.xds.XdsResources;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RetryTranslatorTest {

    private static final Path GOLDEN = Path.of("src/test/resources/testdata/retry");
    private static final List<ServiceEndpoint> ENDPOINTS = List.of(
            new ServiceEndpoint("greeter", "10.0.0.10", 8080, Map.of("version", "v1")),
            new ServiceEndpoint("greeter", "10.0.0.12", 8080, Map.of("version", "v2")),
            new ServiceEndpoint("frontend", "10.0.1.10", 9090, Map.of()));

    private static final Policy MESH = retry("mesh-retries", null, RetrySpec.newBuilder()
            .setAttempts(1)
            .addRetryOn("unavailable")
            .build());
    private static final Policy GREETER = retry("greeter-retries", "greeter", RetrySpec.newBuilder()
            .setAttempts(3)
            .setPerTryTimeout(Durations.fromMillis(500))
            .addAllRetryOn(List.of("5xx", "connect-failure", "internal", "reset", "unavailable"))
            .setBackoff(RetrySpec.Backoff.newBuilder().setBase(Durations.fromMillis(25)).setMax(Durations.fromMillis(250)))
            .build());

    @Test
    void everyFieldBecomesTheEnvoyRetryPolicyWithConditionsInOneCommaSeparatedList() {
        RetryPolicy retry = RetryTranslator.retryPolicy("greeter", List.of(MESH, GREETER)).orElseThrow();

        assertThat(retry.getNumRetries().getValue()).isEqualTo(3);
        assertThat(retry.getRetryOn()).isEqualTo("5xx,connect-failure,internal,reset,unavailable");
        assertThat(retry.getPerTryTimeout()).isEqualTo(Durations.fromMillis(500));
        assertThat(retry.getRetryBackOff().getBaseInterval()).isEqualTo(Durations.fromMillis(25));
        assertThat(retry.getRetryBackOff().getMaxInterval()).isEqualTo(Durations.fromMillis(250));
        assertThat(EnvoyConstraints.violations(retry)).isEmpty();
    }

    @Test
    void everyConditionProxylessGrpcRetriesOnIsOneAPolicyMayName() {
        assertThat(RetryKind.CONDITIONS).containsAll(RetryTranslator.GRPC_CONDITIONS);
        assertThat(RetryTranslator.GRPC_MAX_TRIES - 1).as("retries gRPC makes at most").isLessThan(RetryKind.MAX_ATTEMPTS);
    }

    @Test
    void aServicesRetryOverridesTheMeshsWholeAndOtherServicesGetTheMeshs() {
        assertThat(RetryTranslator.retryPolicy("greeter", List.of(MESH, GREETER)).orElseThrow().getNumRetries().getValue())
                .isEqualTo(3);
        RetryPolicy frontend = RetryTranslator.retryPolicy("frontend", List.of(MESH, GREETER)).orElseThrow();
        assertThat(frontend.getRetryOn()).isEqualTo("unavailable");
        assertThat(frontend.hasRetryBackOff()).isFalse();
        assertThat(frontend.hasPerTryTimeout()).isFalse();
        assertThat(RetryTranslator.retryPolicy("frontend", List.of(GREETER))).isEmpty();
    }

    @Test
    void everyRouteOfAServiceRetriesTheRulesOnesAndTheWholeServiceDefault() throws Exception {
        DesiredConfig config = DesiredConfigs.config(7, "greeter", "frontend").toBuilder()
                .addPolicies(MESH)
                .addPolicies(GREETER)
                .addPolicies(versionRules())
                .build();

        XdsResources resources = new ProxyConfigTranslator().translate(config, ENDPOINTS);

        assertThat(routesOf(resources, "greeter")).extracting(Route::getName).containsExactly("canary/0", "default");
        assertThat(routesOf(resources, "greeter"))
                .allSatisfy(route -> assertThat(route.getRoute().getRetryPolicy().getNumRetries().getValue()).isEqualTo(3));
        assertThat(routesOf(resources, "frontend")).singleElement()
                .satisfies(route -> assertThat(route.getRoute().getRetryPolicy().getRetryOn()).isEqualTo("unavailable"));
        EnvoyConstraints.assertAllValid(resources);
        Golden.assertMatches(GOLDEN, "routes-with-retries.golden.json", XdsJson.render(resources).strip());
    }

    @Test
    void withoutARetryNoRouteCarriesARetryPolicy() {
        XdsResources resources = new ProxyConfigTranslator().translate(DesiredConfigs.config(7, "greeter"), ENDPOINTS);

        assertThat(routesOf(resources, "greeter")).noneSatisfy(route -> assertThat(route.getRoute().hasRetryPolicy()).isTrue());
    }

    private static List<Route> routesOf(XdsResources resources, String service) {
        return resources.routes().stream()
                .filter(route -> route.getName().equals(service))
                .map(RouteConfiguration::getVirtualHostsList)
                .flatMap(List::stream)
                .flatMap(host -> host.getRoutesList().stream())
                .toList();
    }

    private static Policy versionRules() {
        return Policy.newBuilder()
                .setKind("TrafficRoute")
                .setName("canary")
                .setTarget(Target.newBuilder().setService(ServiceSubset.newBuilder().setService("greeter")))
                .setTrafficRoute(TrafficRouteSpec.newBuilder()
                        .addRules(TrafficRouteRule.newBuilder()
                                .setMatch(TrafficRouteMatch.newBuilder().setPathPrefix("/beta/"))
                                .addSplit(DesiredConfigs.split(Map.of("version", "v2"), 100))))
                .build();
    }

    static Policy retry(String name, String service, RetrySpec spec) {
        Target target = service == null
                ? Target.newBuilder().setMesh(true).build()
                : Target.newBuilder().setService(ServiceSubset.newBuilder().setService(service)).build();
        return Policy.newBuilder().setKind(RetryKind.NAME).setName(name).setTarget(target).setRetry(spec).build();
    }
}

package dev.fedmesh.policy.timeout;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Durations;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.api.v1.ServiceSubset;
import dev.fedmesh.api.v1.Target;
import dev.fedmesh.api.v1.TimeoutSpec;
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
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TimeoutTranslatorTest {

    private static final Path GOLDEN = Path.of("src/test/resources/testdata/timeout");
    private static final List<ServiceEndpoint> ENDPOINTS = List.of(
            new ServiceEndpoint("greeter", "10.0.0.10", 8080, Map.of("version", "v1")),
            new ServiceEndpoint("frontend", "10.0.1.10", 9090, Map.of()));

    private static final Policy MESH = timeout("mesh-timeouts", null, TimeoutSpec.newBuilder()
            .setConnect(Durations.fromSeconds(2))
            .setRequest(Durations.fromSeconds(30))
            .build());
    private static final Policy GREETER = timeout("greeter-timeouts", "greeter", TimeoutSpec.newBuilder()
            .setRequest(Durations.fromMillis(1_500))
            .setIdle(Durations.fromSeconds(3_600))
            .build());

    @Test
    void aFieldTheServiceLeavesOutIsTheMeshs() {
        List<Policy> policies = List.of(MESH, GREETER);

        assertThat(TimeoutTranslator.request("greeter", policies)).contains(Durations.fromMillis(1_500));
        assertThat(TimeoutTranslator.connect("greeter", policies)).contains(Durations.fromSeconds(2));
        assertThat(TimeoutTranslator.request("frontend", policies)).contains(Durations.fromSeconds(30));
        assertThat(TimeoutTranslator.upstreamProtocolOptions("frontend", policies)).isEmpty();
        assertThat(TimeoutTranslator.connect("frontend", List.of(GREETER))).isEmpty();
    }

    @Test
    void requestLimitsEveryRouteButARulesOwnTimeoutWinsAndConnectAndIdleGoToTheServicesClusters() throws Exception {
        DesiredConfig config = DesiredConfigs.config(8, "greeter", "frontend").toBuilder()
                .addPolicies(MESH)
                .addPolicies(GREETER)
                .addPolicies(slowPathRule())
                .build();

        XdsResources resources = new ProxyConfigTranslator().translate(config, ENDPOINTS);

        List<Route> greeter = routesOf(resources, "greeter");
        assertThat(greeter).extracting(Route::getName).containsExactly("reports/0", "default");
        assertThat(greeter.get(0).getRoute().getMaxStreamDuration().getMaxStreamDuration()).isEqualTo(Durations.fromSeconds(60));
        assertThat(greeter.get(0).getRoute().getTimeout()).isEqualTo(Durations.fromSeconds(60));
        assertThat(greeter.get(1).getRoute().getMaxStreamDuration().getMaxStreamDuration()).isEqualTo(Durations.fromMillis(1_500));
        assertThat(greeter.get(1).getRoute().getTimeout()).isEqualTo(Durations.fromMillis(1_500));
        assertThat(greeter).noneSatisfy(route ->
                assertThat(route.getRoute().getMaxStreamDuration().hasGrpcTimeoutHeaderMax()).isTrue());
        assertThat(routesOf(resources, "frontend")).singleElement().satisfies(route ->
                assertThat(route.getRoute().getMaxStreamDuration().getMaxStreamDuration()).isEqualTo(Durations.fromSeconds(30)));

        assertThat(resources.clusters()).allSatisfy(cluster ->
                assertThat(cluster.getConnectTimeout()).isEqualTo(Durations.fromSeconds(2)));
        assertThat(resources.clusters()).filteredOn(cluster -> cluster.getName().startsWith("outbound|greeter"))
                .isNotEmpty()
                .allSatisfy(cluster -> assertThat(idleOf(cluster)).isEqualTo(Durations.fromSeconds(3_600)));
        assertThat(cluster(resources, "outbound|frontend").getTypedExtensionProtocolOptionsMap()).isEmpty();
        EnvoyConstraints.assertAllValid(resources);
        Golden.assertMatches(GOLDEN, "routes-and-clusters-with-timeouts.golden.json", XdsJson.render(resources).strip());
    }

    @Test
    void withoutATimeoutClustersKeepTheDefaultConnectTimeoutAndRoutesHaveNoLimit() {
        XdsResources resources = new ProxyConfigTranslator().translate(DesiredConfigs.config(8, "greeter"), ENDPOINTS);

        assertThat(resources.clusters()).singleElement().satisfies(cluster -> {
            assertThat(cluster.getConnectTimeout()).isEqualTo(Durations.fromSeconds(5));
            assertThat(cluster.getTypedExtensionProtocolOptionsMap()).isEmpty();
        });
        assertThat(routesOf(resources, "greeter")).singleElement().satisfies(route -> {
            assertThat(route.getRoute().hasTimeout()).isFalse();
            assertThat(route.getRoute().hasMaxStreamDuration()).isFalse();
        });
    }

    private static com.google.protobuf.Duration idleOf(Cluster cluster) throws Exception {
        return cluster.getTypedExtensionProtocolOptionsOrThrow(TimeoutTranslator.HTTP_PROTOCOL_OPTIONS)
                .unpack(HttpProtocolOptions.class)
                .getCommonHttpProtocolOptions()
                .getIdleTimeout();
    }

    private static Cluster cluster(XdsResources resources, String name) {
        return resources.clusters().stream().filter(c -> c.getName().equals(name)).findFirst().orElseThrow();
    }

    private static List<Route> routesOf(XdsResources resources, String service) {
        return resources.routes().stream()
                .filter(route -> route.getName().equals(service))
                .map(RouteConfiguration::getVirtualHostsList)
                .flatMap(List::stream)
                .flatMap(host -> host.getRoutesList().stream())
                .toList();
    }

    /** A TrafficRoute rule giving calls under /reports/ a minute of their own. */
    private static Policy slowPathRule() {
        return Policy.newBuilder()
                .setKind("TrafficRoute")
                .setName("reports")
                .setTarget(Target.newBuilder().setService(ServiceSubset.newBuilder().setService("greeter")))
                .setTrafficRoute(TrafficRouteSpec.newBuilder()
                        .addRules(TrafficRouteRule.newBuilder()
                                .setMatch(TrafficRouteMatch.newBuilder().setPathPrefix("/reports/"))
                                .addSplit(DesiredConfigs.split(Map.of("version", "v1"), 100))
                                .setTimeoutMs(60_000)))
                .build();
    }

    static Policy timeout(String name, String service, TimeoutSpec spec) {
        Target target = service == null
                ? Target.newBuilder().setMesh(true).build()
                : Target.newBuilder().setService(ServiceSubset.newBuilder().setService(service)).build();
        return Policy.newBuilder().setKind(TimeoutKind.NAME).setName(name).setTarget(target).setTimeout(spec).build();
    }
}

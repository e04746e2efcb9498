package dev.fedmesh.policy.faultinjection;

import static dev.fedmesh.policy.testing.PolicyDocuments.wire;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.util.JsonFormat;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.policy.testing.Golden;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.Service;
import dev.fedmesh.policy.xds.EnvoyConstraints;
import dev.fedmesh.policy.xds.ProxyConfigTranslator;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.policy.xds.XdsResources;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class FaultInjectionTranslatorTest {

    private static final Path GOLDEN = Path.of("src/test/resources/testdata/faultinjection");

    @Test
    void delayAndGrpcAbortBecomeEnvoysFaultFilterWithinEnvoysConstraints() throws Exception {
        HttpFilter filter = FaultInjectionTranslator.httpFilter("greeter", wire("""
                {"kind": "FaultInjection", "name": "greeter-chaos", "target": {"service": "greeter"},
                 "spec": {"delay": {"duration": "250ms", "percentage": 12.5},
                          "abort": {"grpcStatus": "RESOURCE_EXHAUSTED", "percentage": 0.5}}}""")).orElseThrow();

        HTTPFault fault = filter.getTypedConfig().unpack(HTTPFault.class);
        assertThat(filter.getName()).isEqualTo(FaultInjectionTranslator.FAULT_FILTER);
        assertThat(fault.getDelay().getFixedDelay().getNanos()).isEqualTo(250_000_000);
        assertThat(fault.getDelay().getPercentage()).isEqualTo(perMillion(125_000));
        assertThat(fault.getAbort().getGrpcStatus()).isEqualTo(8);
        assertThat(fault.getAbort().getPercentage()).isEqualTo(perMillion(5_000));
        assertThat(EnvoyConstraints.violations(filter)).isEmpty();
        Golden.assertMatches(GOLDEN, "translated.golden.json",
                JsonFormat.printer().usingTypeRegistry(EnvoyConstraints.TYPES).print(filter));
    }

    @Test
    void anHttpAbortKeepsItsHttpStatus() throws Exception {
        HTTPFault fault = FaultInjectionTranslator.fault("greeter", wire("""
                {"kind": "FaultInjection", "name": "f", "target": {"service": "greeter"},
                 "spec": {"abort": {"httpStatus": 503, "percentage": 100}}}""")).orElseThrow();

        assertThat(fault.getAbort().getHttpStatus()).isEqualTo(503);
        assertThat(fault.getAbort().getPercentage()).isEqualTo(perMillion(1_000_000));
        assertThat(fault.hasDelay()).isFalse();
        assertThat(EnvoyConstraints.violations(fault)).isEmpty();
    }

    @Test
    void aFaultNarrowedToSomeCallersDisturbsNoCallSinceEveryCallerGetsTheSameFilter() {
        List<Policy> narrowed = wire("""
                {"kind": "FaultInjection", "name": "from-frontend", "target": {"service": "greeter"},
                 "from": [{"service": "frontend"}], "spec": {"abort": {"httpStatus": 503, "percentage": 100}}}""");

        assertThat(FaultInjectionTranslator.httpFilter("greeter", narrowed)).isEmpty();
        assertThat(FaultInjectionTranslator.httpFilter("greeter", List.of())).isEmpty();
    }

    @Test
    void aSubsetsFaultRidesOnTheWeightedClustersOfThatSubsetAndReplacesTheWholeServicesThere() throws Exception {
        DesiredConfig config = DesiredConfig.newBuilder().setTenant("acme").setCluster("east").setRevision(1)
                .addServices(Service.newBuilder().setName("greeter"))
                .addAllPolicies(wire("""
                        {"kind": "TrafficRoute", "name": "split", "target": {"service": "greeter"},
                         "spec": {"rules": [
                           {"match": {"path": {"prefix": "/fedmesh.sample.v1.Greeter/SayGoodbye"}},
                            "split": [{"subset": {"version": "v2", "track": "canary"}, "weight": 100}]},
                           {"split": [{"subset": {"version": "v1"}, "weight": 50},
                                      {"subset": {"version": "v2"}, "weight": 50}]}]}}""", """
                        {"kind": "FaultInjection", "name": "all-slow", "target": {"service": "greeter"},
                         "spec": {"delay": {"duration": "1s", "percentage": 10}}}""", """
                        {"kind": "FaultInjection", "name": "v2-down", "target": {"service": "greeter", "subset": {"version": "v2"}},
                         "spec": {"abort": {"grpcStatus": "UNAVAILABLE", "percentage": 100}}}""", """
                        {"kind": "FaultInjection", "name": "canary-down", "target": {"service": "greeter",
                           "subset": {"version": "v2", "track": "canary"}},
                         "spec": {"abort": {"grpcStatus": "INTERNAL", "percentage": 100}}}"""))
                .build();

        XdsResources resources = new ProxyConfigTranslator().translate(config, List.of(
                new ServiceEndpoint("greeter", "10.0.0.1", 8080, Map.of("version", "v1")),
                new ServiceEndpoint("greeter", "10.0.0.2", 8080, Map.of("version", "v2", "track", "canary"))));

        HttpFilter filter = filter(resources, "greeter");
        assertThat(filter.getTypedConfig().unpack(HTTPFault.class).hasDelay())
                .as("the whole service's fault is the filter's own").isTrue();
        List<Route> routes = resources.routes().stream().filter(r -> r.getName().equals("greeter")).findFirst()
                .orElseThrow().getVirtualHosts(0).getRoutesList();
        Map<String, Integer> aborts = new TreeMap<>();
        for (Route route : routes) {
            for (WeightedCluster.ClusterWeight weight : route.getRoute().getWeightedClusters().getClustersList()) {
                Any override = weight.getTypedPerFilterConfigMap().get(FaultInjectionTranslator.FAULT_FILTER);
                aborts.put(weight.getName(), override == null ? -1 : override.unpack(HTTPFault.class).getAbort().getGrpcStatus());
            }
        }
        assertThat(aborts).as("gRPC status each weighted cluster's own fault aborts with; -1: none of its own")
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "outbound|greeter|track=canary,version=v2", 13,
                        "outbound|greeter|version=v1", -1,
                        "outbound|greeter|version=v2", 14));
        EnvoyConstraints.assertAllValid(resources);
    }

    @Test
    void aSubsetsFaultAloneGivesTheFilterAConfigThatDisturbsNothingAndLeavesTheWholeServiceRouteAlone()
            throws Exception {
        DesiredConfig config = DesiredConfig.newBuilder().setTenant("acme").setCluster("east").setRevision(1)
                .addServices(Service.newBuilder().setName("greeter"))
                .addAllPolicies(wire("""
                        {"kind": "FaultInjection", "name": "v2-down", "target": {"service": "greeter", "subset": {"version": "v2"}},
                         "spec": {"abort": {"grpcStatus": "UNAVAILABLE", "percentage": 100}}}"""))
                .build();

        XdsResources resources = new ProxyConfigTranslator().translate(config, List.of(
                new ServiceEndpoint("greeter", "10.0.0.2", 8080, Map.of("version", "v2"))));

        assertThat(filter(resources, "greeter").getTypedConfig().unpack(HTTPFault.class))
                .isEqualTo(HTTPFault.getDefaultInstance());
        assertThat(resources.routes().get(0).getVirtualHosts(0).getRoutesList())
                .allSatisfy(route -> assertThat(route.getRoute().getWeightedClusters().getClustersList())
                        .allSatisfy(weight -> assertThat(weight.getTypedPerFilterConfigMap()).isEmpty()));
        EnvoyConstraints.assertAllValid(resources);
    }

    @Test
    void aFaultForOneServiceLeavesTheOthersAlone() {
        List<Policy> greeterOnly = wire("""
                {"kind": "FaultInjection", "name": "f", "target": {"service": "greeter"},
                 "spec": {"delay": {"duration": "1s", "percentage": 100}}}""");

        assertThat(FaultInjectionTranslator.httpFilter("frontend", greeterOnly)).isEmpty();
        assertThat(FaultInjectionTranslator.httpFilter("greeter", greeterOnly)).isPresent();
    }

    @Test
    void theServicesClientListenerRunsTheFaultFilterBeforeTheRouter() throws Exception {
        DesiredConfig config = DesiredConfig.newBuilder().setTenant("acme").setCluster("east").setRevision(1)
                .addServices(Service.newBuilder().setName("greeter"))
                .addServices(Service.newBuilder().setName("frontend"))
                .addAllPolicies(wire("""
                        {"kind": "FaultInjection", "name": "f", "target": {"service": "greeter"},
                         "spec": {"abort": {"httpStatus": 503, "percentage": 50}}}"""))
                .build();

        XdsResources resources = new ProxyConfigTranslator().translate(config, List.of(
                new ServiceEndpoint("greeter", "10.0.0.1", 8080, Map.of())));

        assertThat(filterNames(resources, "greeter"))
                .containsExactly(FaultInjectionTranslator.FAULT_FILTER, ProxyConfigTranslator.ROUTER_FILTER);
        assertThat(filterNames(resources, "frontend")).containsExactly(ProxyConfigTranslator.ROUTER_FILTER);
        EnvoyConstraints.assertAllValid(resources);
    }

    private static HttpFilter filter(XdsResources resources, String service) throws Exception {
        Listener listener = resources.listeners().stream().filter(l -> l.getName().equals(service)).findFirst().orElseThrow();
        return listener.getApiListener().getApiListener().unpack(HttpConnectionManager.class).getHttpFiltersList().stream()
                .filter(f -> f.getName().equals(FaultInjectionTranslator.FAULT_FILTER))
                .findFirst().orElseThrow();
    }

    private static List<String> filterNames(XdsResources resources, String service) throws Exception {
        Listener listener = resources.listeners().stream().filter(l -> l.getName().equals(service)).findFirst().orElseThrow();
        return listener.getApiListener().getApiListener().unpack(HttpConnectionManager.class).getHttpFiltersList().stream()
                .map(HttpFilter::getName)
                .toList();
    }

    private static FractionalPercent perMillion(int numerator) {
        return FractionalPercent.newBuilder()
                .setNumerator(numerator)
                .setDenominator(FractionalPercent.DenominatorType.MILLION)
                .build();
    }
}

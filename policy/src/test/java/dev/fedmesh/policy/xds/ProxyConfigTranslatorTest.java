package dev.fedmesh.policy.xds;

import static dev.fedmesh.policy.xds.DesiredConfigs.config;
import static dev.fedmesh.policy.xds.DesiredConfigs.meshDefault;
import static dev.fedmesh.policy.xds.DesiredConfigs.meshMtls;
import static dev.fedmesh.policy.xds.DesiredConfigs.permission;
import static dev.fedmesh.policy.xds.DesiredConfigs.split;
import static dev.fedmesh.policy.xds.DesiredConfigs.trafficRoute;
import static dev.fedmesh.policy.xds.DesiredConfigs.versionSplit;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.MeshTrust;
import dev.fedmesh.api.v1.MtlsModeSpec;
import dev.fedmesh.api.v1.TrafficPermissionSpec;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProxyConfigTranslatorTest {

    private static final List<ServiceEndpoint> ENDPOINTS = List.of(
            new ServiceEndpoint("greeter", "10.0.0.12", 8080, Map.of("version", "v2")),
            new ServiceEndpoint("greeter", "10.0.0.10", 8080, Map.of("version", "v1", "zone", "a")),
            new ServiceEndpoint("greeter", "10.0.0.11", 8080, Map.of("version", "v1", "zone", "b")),
            new ServiceEndpoint("frontend", "10.0.1.10", 9090, Map.of()),
            new ServiceEndpoint("not-in-config", "10.0.9.9", 7070, Map.of()));

    private final ProxyConfigTranslator translator = new ProxyConfigTranslator();

    @Test
    void withoutPoliciesEachServiceRoutesToAllItsEndpoints() {
        XdsResources resources = translator.translate(config(7, "greeter", "frontend"), ENDPOINTS);

        assertThat(resources.listeners()).filteredOn(Listener::hasApiListener)
                .extracting(l -> l.getName()).containsExactly("frontend", "greeter");
        assertThat(resources.routes()).extracting(r -> r.getVirtualHosts(0).getRoutes(0).getRoute().getCluster())
                .containsExactly("outbound|frontend", "outbound|greeter");
        assertThat(resources.clusters()).extracting(Cluster::getName)
                .containsExactly("outbound|frontend", "outbound|greeter");
        assertThat(endpointCount(resources, "outbound|greeter")).isEqualTo(3);
        assertValidAndGolden("no-policies", resources);
    }

    @Test
    void listenerHoldsAnHttpConnectionManagerThatFetchesItsRouteOverAds() throws Exception {
        XdsResources resources = translator.translate(config(1, "greeter"), ENDPOINTS);

        HttpConnectionManager manager = resources.listeners().get(0).getApiListener().getApiListener()
                .unpack(HttpConnectionManager.class);
        assertThat(manager.getRds().getRouteConfigName()).isEqualTo("greeter");
        assertThat(manager.getRds().getConfigSource().hasAds()).isTrue();
        assertThat(manager.getHttpFiltersList()).extracting(f -> f.getName())
                .containsExactly(ProxyConfigTranslator.ROUTER_FILTER);
        assertThat(resources.routes().get(0).getVirtualHosts(0).getDomainsList()).containsExactly("*");
    }

    @Test
    void hundredZeroSplitKeepsTheZeroWeightSubsetAsAValidCluster() {
        DesiredConfig config = config(3, "greeter").toBuilder()
                .addPolicies(versionSplit("canary", "greeter", 100, 0)).build();

        XdsResources resources = translator.translate(config, ENDPOINTS);

        assertThat(weights(resources, "greeter")).containsExactly(
                Map.entry("outbound|greeter|version=v1", 100), Map.entry("outbound|greeter|version=v2", 0));
        assertThat(endpointCount(resources, "outbound|greeter|version=v1")).isEqualTo(2);
        assertThat(endpointCount(resources, "outbound|greeter|version=v2")).isEqualTo(1);
        assertValidAndGolden("split-100-0", resources);
    }

    @Test
    void twentyEightySplitBecomesWeightedClustersPerVersion() {
        DesiredConfig config = config(4, "greeter", "frontend").toBuilder()
                .addPolicies(versionSplit("canary", "greeter", 20, 80)).build();

        XdsResources resources = translator.translate(config, ENDPOINTS);

        assertThat(weights(resources, "greeter")).containsExactly(
                Map.entry("outbound|greeter|version=v1", 20), Map.entry("outbound|greeter|version=v2", 80));
        assertThat(resources.clusters()).extracting(Cluster::getName).containsExactly(
                "outbound|frontend", "outbound|greeter|version=v1", "outbound|greeter|version=v2");
        assertValidAndGolden("split-20-80", resources);
    }

    @Test
    void subsetWithNoMatchingEndpointsGetsAnEmptyAssignment() {
        DesiredConfig config = config(5, "greeter").toBuilder()
                .addPolicies(trafficRoute("canary", "greeter",
                        split(Map.of("version", "v1"), 50), split(Map.of("version", "v3"), 50)))
                .build();

        XdsResources resources = translator.translate(config, ENDPOINTS);

        assertThat(endpointCount(resources, "outbound|greeter|version=v3")).isZero();
        assertThat(resources.endpoints()).extracting(ClusterLoadAssignment::getClusterName)
                .contains("outbound|greeter|version=v3");
        assertValidAndGolden("subset-without-endpoints", resources);
    }

    @Test
    void outputDoesNotDependOnTheOrderEndpointsArriveIn() {
        DesiredConfig config = config(4, "greeter", "frontend").toBuilder()
                .addPolicies(versionSplit("canary", "greeter", 20, 80)).build();
        List<ServiceEndpoint> reversed = new ArrayList<>(ENDPOINTS);
        Collections.reverse(reversed);

        assertThat(XdsJson.render(translator.translate(config, reversed)))
                .isEqualTo(XdsJson.render(translator.translate(config, ENDPOINTS)));
    }

    @Test
    void eachLocalPortOfAServiceGetsTheServerListenerAProxylessServerAsksFor() throws Exception {
        XdsResources resources = translator.translate(config(1, "greeter", "frontend"), ENDPOINTS);

        assertThat(resources.listeners()).extracting(Listener::getName).containsExactly(
                "frontend", "greeter",
                "grpc/server?xds.resource.listening_address=0.0.0.0:8080",
                "grpc/server?xds.resource.listening_address=0.0.0.0:9090");
        Listener server = resources.listeners().get(2);
        assertThat(server.getAddress().getSocketAddress().getAddress()).isEqualTo("0.0.0.0");
        assertThat(server.getAddress().getSocketAddress().getPortValue()).isEqualTo(8080);
        assertThat(server.getFilterChains(0).hasTransportSocket()).as("plaintext without an MtlsMode").isFalse();
        HttpConnectionManager manager = server.getFilterChains(0).getFilters(0).getTypedConfig()
                .unpack(HttpConnectionManager.class);
        assertThat(manager.getRouteConfig().getVirtualHosts(0).getRoutes(0).hasNonForwardingAction()).isTrue();
        assertThat(manager.getHttpFiltersList()).extracting(f -> f.getName())
                .containsExactly(ProxyConfigTranslator.ROUTER_FILTER);
    }

    @Test
    void strictMeshWithPermissionsSecuresServersAndCallers() throws Exception {
        DesiredConfig config = config(9, "greeter", "frontend").toBuilder()
                .setTrust(MeshTrust.newBuilder().setTrustDomain("acme.example"))
                .addPolicies(meshMtls(MtlsModeSpec.Mode.MODE_STRICT))
                .addPolicies(meshDefault(TrafficPermissionSpec.Action.ACTION_DENY))
                .addPolicies(permission("greeter-callers", "greeter", TrafficPermissionSpec.Action.ACTION_ALLOW, "frontend"))
                .build();

        XdsResources resources = translator.translate(config, ENDPOINTS);

        assertThat(resources.clusters()).allMatch(Cluster::hasTransportSocket);
        Listener greeterServer = resources.listeners().stream()
                .filter(l -> l.getName().equals(ServerListeners.name(8080))).findFirst().orElseThrow();
        assertThat(greeterServer.getFilterChains(0).getTransportSocket().getName()).isEqualTo("envoy.transport_sockets.tls");
        HttpConnectionManager manager = greeterServer.getFilterChains(0).getFilters(0).getTypedConfig()
                .unpack(HttpConnectionManager.class);
        assertThat(manager.getHttpFiltersList()).extracting(f -> f.getName())
                .containsExactly("fedmesh.traffic-permission.deny", "fedmesh.traffic-permission.allow",
                        ProxyConfigTranslator.ROUTER_FILTER);
        assertValidAndGolden("strict-mesh-with-permissions", resources);
    }

    @Test
    void constraintCheckerCatchesWhatEnvoyWouldReject() {
        HttpConnectionManager noStatPrefix = HttpConnectionManager.newBuilder().build();
        Cluster zeroTimeout = Cluster.newBuilder().setName("c").setConnectTimeout(Duration.newBuilder()).build();
        ClusterLoadAssignment zeroLocalityWeight = ClusterLoadAssignment.newBuilder().setClusterName("c")
                .addEndpoints(LocalityLbEndpoints.newBuilder().setLoadBalancingWeight(UInt32Value.of(0))).build();
        RouteConfiguration noDomains = RouteConfiguration.newBuilder()
                .addVirtualHosts(io.envoyproxy.envoy.config.route.v3.VirtualHost.newBuilder().setName("v")).build();

        assertThat(EnvoyConstraints.violations(noStatPrefix)).anyMatch(v -> v.contains("stat_prefix"))
                .anyMatch(v -> v.contains("route_specifier"));
        assertThat(EnvoyConstraints.violations(zeroTimeout)).anyMatch(v -> v.contains("connect_timeout"));
        assertThat(EnvoyConstraints.violations(zeroLocalityWeight)).anyMatch(v -> v.contains("load_balancing_weight"));
        assertThat(EnvoyConstraints.violations(noDomains)).anyMatch(v -> v.contains("domains"));
    }

    private static void assertValidAndGolden(String golden, XdsResources resources) {
        EnvoyConstraints.assertAllValid(resources);
        GoldenFiles.assertMatches(golden, XdsJson.render(resources));
    }

    static List<Map.Entry<String, Integer>> weights(XdsResources resources, String service) {
        RouteConfiguration route = resources.routes().stream()
                .filter(r -> r.getName().equals(service)).findFirst().orElseThrow();
        return route.getVirtualHosts(0).getRoutes(0).getRoute().getWeightedClusters().getClustersList().stream()
                .map((WeightedCluster.ClusterWeight w) -> Map.entry(w.getName(), w.getWeight().getValue()))
                .toList();
    }

    private static int endpointCount(XdsResources resources, String cluster) {
        return resources.endpoints().stream()
                .filter(a -> a.getClusterName().equals(cluster))
                .flatMap(a -> a.getEndpointsList().stream())
                .mapToInt(LocalityLbEndpoints::getLbEndpointsCount)
                .sum();
    }
}

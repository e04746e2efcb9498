package dev.fedmesh.policy.xds;

import static dev.fedmesh.policy.xds.DesiredConfigs.meshMtls;
import static dev.fedmesh.policy.xds.DesiredConfigs.split;
import static dev.fedmesh.policy.xds.DesiredConfigs.trafficRoute;
import static dev.fedmesh.policy.xds.Federations.HEALTHY;
import static dev.fedmesh.policy.xds.Federations.UNHEALTHY;
import static dev.fedmesh.policy.xds.Federations.endpoint;
import static dev.fedmesh.policy.xds.Federations.inventory;
import static dev.fedmesh.policy.xds.Federations.peer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.fedmesh.api.v1.ClusterInventory;
import dev.fedmesh.api.v1.DesiredConfig;
import dev.fedmesh.api.v1.MeshTrust;
import dev.fedmesh.api.v1.MtlsModeSpec;
import dev.fedmesh.api.v1.Policy;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The east-west gateway of cluster eu: SNI passthrough to its own healthy endpoints. */
class EastWestGatewayTest {

    private static final ClusterInventory EU = inventory("eu")
            .service("greeter", endpoint("10.2.0.10", 8080, HEALTHY, "version", "v1"),
                    endpoint("10.2.0.11", 8080, UNHEALTHY, "version", "v1"),
                    endpoint("10.2.0.12", 8080, HEALTHY, "version", "v2"))
            .service("frontend", endpoint("10.2.1.10", 9090, UNHEALTHY))
            .build();

    private static DesiredConfig config(String gateway, Policy... policies) {
        return DesiredConfigs.config(3, "greeter", "frontend").toBuilder()
                .setCluster("eu")
                .setTrust(MeshTrust.newBuilder().setTrustDomain("acme.example"))
                .addPeers(peer("east", "us-east1", "us-east1-b", "", "gw.east.example:15443"))
                .addPeers(peer("eu", "eu-central1", "", "corp-eu", gateway))
                .addAllPolicies(List.of(policies))
                .build();
    }

    private static Policy strict() {
        return meshMtls(MtlsModeSpec.Mode.MODE_STRICT);
    }

    @Test
    void theGatewayListensOnItsPortAndPassesEachSubsetsSniToThatSubsetsHealthyEndpoints() throws Exception {
        Policy canary = trafficRoute("canary", "greeter",
                split(Map.of("version", "v1"), 90), split(Map.of("version", "v2"), 10).toBuilder().setCluster("eu").build(),
                split(Map.of("version", "v3"), 0).toBuilder().setCluster("east").build());

        XdsResources gateway = EastWestGateway.resources(config("203.0.113.7:15443", strict(), canary), EU);

        assertThat(gateway.listeners()).hasSize(1);
        Listener listener = gateway.listeners().get(0);
        assertThat(listener.getName()).isEqualTo(EastWestGateway.LISTENER);
        assertThat(listener.getAddress().getSocketAddress().getPortValue()).isEqualTo(15443);
        assertThat(listener.getListenerFiltersList()).extracting(f -> f.getName())
                .containsExactly(EastWestGateway.TLS_INSPECTOR);
        String v1 = EndpointSubset.of("greeter", Map.of("version", "v1")).sniName();
        String v2 = EndpointSubset.of("greeter", Map.of("version", "v2")).sniName();
        assertThat(listener.getFilterChainsList()).extracting(chain -> chain.getFilterChainMatch().getServerNames(0))
                .as("one chain per subset callers can send here; v3 is pinned to east and never arrives")
                .containsExactlyInAnyOrder("frontend.fedmesh.internal", v1, v2);
        FilterChain v1Chain = listener.getFilterChainsList().stream()
                .filter(chain -> chain.getFilterChainMatch().getServerNames(0).equals(v1)).findFirst().orElseThrow();
        assertThat(v1Chain.hasTransportSocket()).as("passthrough: the gateway never terminates TLS").isFalse();
        TcpProxy proxy = v1Chain.getFilters(0).getTypedConfig().unpack(TcpProxy.class);
        assertThat(proxy.getCluster()).isEqualTo("gateway|" + v1);
        assertThat(gateway.clusters()).extracting(Cluster::getName).contains("gateway|" + v1);
        assertThat(gateway.clusters()).noneMatch(Cluster::hasTransportSocket);

        ClusterLoadAssignment v1Endpoints = gateway.endpoints().stream()
                .filter(a -> a.getClusterName().equals("gateway|" + v1)).findFirst().orElseThrow();
        assertThat(v1Endpoints.getEndpoints(0).getLbEndpointsList())
                .extracting(e -> e.getEndpoint().getAddress().getSocketAddress().getAddress())
                .as("only the healthy one").containsExactly("10.2.0.10");
        ClusterLoadAssignment frontend = gateway.endpoints().stream()
                .filter(a -> a.getClusterName().equals("gateway|frontend.fedmesh.internal")).findFirst().orElseThrow();
        assertThat(frontend.getEndpoints(0).getLbEndpointsList()).extracting(LbEndpoint::getHealthStatus)
                .as("none healthy: served as unknown rather than not at all").containsExactly(HealthStatus.UNKNOWN);

        EnvoyConstraints.assertAllValid(gateway);
        GoldenFiles.assertMatches("east-west-gateway", XdsJson.render(gateway));
    }

    @Test
    void theCallersSniAndTheGatewaysServerNameAreTheSameFunction() {
        ClusterInventory east = inventory("east").service("greeter", endpoint("10.0.0.10", 8080, HEALTHY)).build();
        DesiredConfig eastConfig = config("203.0.113.7:15443", strict()).toBuilder().setCluster("east").build();

        XdsResources caller = new ProxyConfigTranslator().translate(eastConfig, Map.of("east", east, "eu", EU),
                cluster -> false);
        XdsResources gateway = EastWestGateway.resources(config("203.0.113.7:15443", strict()), EU);

        String callerSni = FederatedTranslationTest.assignment(caller, "outbound|greeter").getEndpointsList().stream()
                .filter(l -> l.getLocality().getSubZone().equals("eu")).findFirst().orElseThrow()
                .getLbEndpoints(0).getMetadata().getFilterMetadataOrThrow("fedmesh").getFieldsOrThrow("sni")
                .getStringValue();
        assertThat(gateway.listeners().get(0).getFilterChainsList())
                .extracting(chain -> chain.getFilterChainMatch().getServerNames(0))
                .contains(callerSni);
    }

    @Test
    void noGatewayEntryOrNoMutualTlsServiceMeansNoGatewayResources() {
        XdsResources noGateway = EastWestGateway.resources(config("", strict()), EU);
        XdsResources plaintext = EastWestGateway.resources(config("203.0.113.7:15443"), EU);
        XdsResources badAddress = EastWestGateway.resources(config("gateway-without-port", strict()), EU);

        for (XdsResources resources : List.of(noGateway, plaintext, badAddress)) {
            assertThat(resources.listeners()).isEmpty();
            assertThat(resources.clusters()).isEmpty();
            assertThat(resources.endpoints()).isEmpty();
        }
    }
}

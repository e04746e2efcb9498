package dev.fedmesh.policy.enforcement;

import dev.fedmesh.api.v1.ClusterInventory;
import dev.fedmesh.api.v1.EndpointDataPlane;
import dev.fedmesh.api.v1.InventoryEndpoint;
import dev.fedmesh.api.v1.InventoryService;
import dev.fedmesh.policy.document.DataPlane;
import dev.fedmesh.policy.document.PolicyDocument;
import dev.fedmesh.policy.document.PolicyKinds;
import dev.fedmesh.policy.document.Unenforced;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.fedmesh.policy.testing.PolicyDocuments.read;
import static org.assertj.core.api.Assertions.assertThat;

class NotEnforcedWarningsTest {
    private static final PolicyDocument GREETER_LIMIT = read("""
            {"kind": "RateLimit", "name": "greeter-limit", "target": {"service": "greeter"},
             "spec": {"requests": 10, "interval": "1s"}}
            """);

    @Test
    void aRateLimitIsWholeNotEnforcedByProxylessGrpcAndEnforcedByEnvoySidecars() {
        @SuppressWarnings("unchecked")
        var kind = (dev.fedmesh.policy.document.PolicyKind<dev.fedmesh.policy.document.PolicySpec>)
                PolicyKinds.find("RateLimit").orElseThrow();

        List<Unenforced> unenforced = kind.unenforced(GREETER_LIMIT.spec());

        assertThat(unenforced).extracting(Unenforced::dataPlane, Unenforced::field)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(DataPlane.PROXYLESS_GRPC, "spec"));
        assertThat(unenforced.get(0).reason()).contains("no rate-limit filter");
    }

    @Test
    void aRateLimitWarnsOfEachClusterWhereTheServiceHasAnEndpointNoEnvoySidecarServes() {
        Map<String, ClusterInventory> inventories = Map.of(
                "west", inventory("west", "greeter", EndpointDataPlane.ENDPOINT_DATA_PLANE_ENVOY_SIDECAR),
                "east", inventory("east", "greeter", EndpointDataPlane.ENDPOINT_DATA_PLANE_PROXYLESS_GRPC),
                "north", inventory("north", "greeter", EndpointDataPlane.ENDPOINT_DATA_PLANE_UNKNOWN),
                "south", inventory("south", "checkout", EndpointDataPlane.ENDPOINT_DATA_PLANE_PROXYLESS_GRPC));

        List<NotEnforced> warnings = NotEnforcedWarnings.of(GREETER_LIMIT, inventories);

        assertThat(warnings).hasSize(1);
        NotEnforced warning = warnings.get(0);
        assertThat(warning.dataPlane()).isEqualTo(DataPlane.PROXYLESS_GRPC);
        assertThat(warning.clusters()).containsExactly("east", "north");
        assertThat(warning.field()).isEqualTo("spec");
        assertThat(warning.message()).isEqualTo("RateLimit 'greeter-limit': spec is not enforced by proxyless gRPC"
                + " servers (gRPC has no rate-limit filter, so a proxyless server serves every request whatever the"
                + " limit); not enforced on the endpoints of greeter served by proxyless gRPC servers or by no proxy"
                + " of fedmesh in clusters east, north.");
    }

    @Test
    void aRateLimitWrittenBeforeAnyWorkloadStillWarnsThatProxylessServersWouldNotEnforceIt() {
        List<NotEnforced> warnings = NotEnforcedWarnings.of(GREETER_LIMIT, Map.of());

        assertThat(warnings).singleElement().satisfies(warning -> {
            assertThat(warning.clusters()).isEmpty();
            assertThat(warning.message()).contains("not enforced by proxyless gRPC servers",
                    "no cluster reports endpoints of greeter", "where one runs, it is not enforced");
        });
    }

    @Test
    void aSubsetTargetCountsOnlyTheEndpointsOfThatSubset() {
        PolicyDocument v2 = read("""
                {"kind": "RateLimit", "name": "greeter-v2", "target": {"service": "greeter", "subset": {"version": "v2"}},
                 "spec": {"requests": 10, "interval": "1s"}}
                """);
        ClusterInventory east = ClusterInventory.newBuilder().setCluster("east").addServices(InventoryService.newBuilder()
                .setName("greeter")
                .addEndpoints(endpoint(EndpointDataPlane.ENDPOINT_DATA_PLANE_PROXYLESS_GRPC).putLabels("version", "v1"))
                .addEndpoints(endpoint(EndpointDataPlane.ENDPOINT_DATA_PLANE_ENVOY_SIDECAR).putLabels("version", "v2")))
                .build();

        assertThat(NotEnforcedWarnings.of(v2, Map.of("east", east)).get(0).clusters()).isEmpty();
    }

    @Test
    void aClusterStatusListsOnlyThePoliciesNotEnforcedOnThatCluster() {
        PolicyDocument checkoutLimit = read("""
                {"kind": "RateLimit", "name": "checkout-limit", "target": {"service": "checkout"},
                 "spec": {"requests": 10, "interval": "1s"}}
                """);

        List<NotEnforced> onEast = NotEnforcedWarnings.onCluster(List.of(GREETER_LIMIT, checkoutLimit),
                "east", inventory("east", "greeter", EndpointDataPlane.ENDPOINT_DATA_PLANE_PROXYLESS_GRPC));

        assertThat(onEast).extracting(NotEnforced::kind, NotEnforced::policy, NotEnforced::clusters)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("RateLimit", "greeter-limit", List.of("east")));
    }

    private static ClusterInventory inventory(String cluster, String service, EndpointDataPlane dataPlane) {
        return ClusterInventory.newBuilder().setCluster(cluster)
                .addServices(InventoryService.newBuilder().setName(service).addEndpoints(endpoint(dataPlane)))
                .build();
    }

    private static InventoryEndpoint.Builder endpoint(EndpointDataPlane dataPlane) {
        return InventoryEndpoint.newBuilder().setHost("10.0.0.7").setPort(8080).setDataPlane(dataPlane);
    }
}

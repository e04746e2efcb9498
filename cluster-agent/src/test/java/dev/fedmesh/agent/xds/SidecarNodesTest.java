package dev.fedmesh.agent.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.fedmesh.agent.ClusterAgent;
import dev.fedmesh.agent.inventory.InvalidEndpointException;
import dev.fedmesh.policy.xds.SidecarWorkload;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a sidecar's node metadata is read as, and how metadata that cannot be taken is answered. */
class SidecarNodesTest {

    private static Struct.Builder sidecar() {
        return Struct.newBuilder()
                .putFields(ClusterAgent.ROLE_METADATA, text(SidecarNodes.SIDECAR_ROLE))
                .putFields("fedmesh.service", text("greeter"))
                .putFields("fedmesh.port", number(8080))
                .putFields(SidecarNodes.APP_PORT, number(9080));
    }

    @Test
    void aSidecarsMetadataNamesItsWorkloadItsNamespaceAndTheServicesItCalls() throws Exception {
        SidecarWorkload workload = SidecarNodes.read(sidecar()
                .putFields("fedmesh.labels", struct(Struct.newBuilder()
                        .putFields("version", text("v2")).putFields("fedmesh.dev/namespace", text("shop"))))
                .putFields(SidecarNodes.UPSTREAMS, struct(Struct.newBuilder().putFields("ledger", number(9001))))
                .build());

        assertThat(workload).isEqualTo(new SidecarWorkload("greeter", 8080, 9080,
                Map.of("version", "v2", "fedmesh.dev/namespace", "shop"), "shop", Map.of("ledger", 9001)));
        assertThat(SidecarNodes.read(sidecar().build()).namespace()).isEqualTo("default");
    }

    @Test
    void everyProblemIsNamedByItsFieldWithTheFix() {
        Struct bad = sidecar()
                .removeFields(SidecarNodes.APP_PORT)
                .putFields(SidecarNodes.UPSTREAMS, struct(Struct.newBuilder()
                        .putFields("ledger", number(70000))
                        .putFields("Not A Name", number(9002))))
                .build();

        assertThatThrownBy(() -> SidecarNodes.read(bad))
                .isInstanceOfSatisfying(InvalidEndpointException.class, e -> assertThat(e.problems())
                        .extracting(InvalidEndpointException.FieldProblem::field)
                        .containsExactlyInAnyOrder("fedmesh.appPort", "fedmesh.upstreams.ledger",
                                "fedmesh.upstreams.Not A Name"))
                .hasMessageContaining("fedmesh.appPort: required: a TCP port of 127.0.0.1, 1..65535, e.g. 9080");
    }

    @Test
    void aNodeThatIsNoSidecarOrAnnouncesOneBadlyHasNoSidecarWorkload() {
        Node proxyless = Node.newBuilder().setMetadata(Struct.newBuilder()
                .putFields("fedmesh.service", text("greeter")).putFields("fedmesh.port", number(8080))).build();
        Node withoutAppPort = Node.newBuilder().setMetadata(sidecar().removeFields(SidecarNodes.APP_PORT)).build();

        assertThat(SidecarNodes.workload(proxyless)).isEmpty();
        assertThat(SidecarNodes.workload(withoutAppPort)).isEmpty();
        assertThat(SidecarNodes.workload(Node.newBuilder().setMetadata(sidecar()).build())).isPresent();
    }

    private static Value text(String value) {
        return Value.newBuilder().setStringValue(value).build();
    }

    private static Value number(int value) {
        return Value.newBuilder().setNumberValue(value).build();
    }

    private static Value struct(Struct.Builder struct) {
        return Value.newBuilder().setStructValue(struct).build();
    }
}

package dev.fedmesh.policy.mtlsmode;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.JsonFormat;
import dev.fedmesh.api.v1.MtlsModeSpec;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.api.v1.ServiceSubset;
import dev.fedmesh.api.v1.Target;
import dev.fedmesh.policy.testing.Golden;
import dev.fedmesh.policy.xds.CertificateProviders;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class MtlsModeTranslatorTest {

    private static final Path GOLDEN = Path.of("src/test/resources/testdata/mtlsmode");
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().usingTypeRegistry(JsonFormat.TypeRegistry.newBuilder()
            .add(DownstreamTlsContext.getDescriptor())
            .add(UpstreamTlsContext.getDescriptor())
            .build());
    private static final List<Policy> MESH_STRICT_LEGACY_PERMISSIVE = List.of(
            mtlsMode("mesh-strict", null, MtlsModeSpec.Mode.MODE_STRICT),
            mtlsMode("legacy-permissive", "legacy", MtlsModeSpec.Mode.MODE_PERMISSIVE));

    @Test
    void aServicesModeOverridesTheMeshs() {
        assertThat(MtlsModeTranslator.mode("greeter", MESH_STRICT_LEGACY_PERMISSIVE)).contains(MtlsModeSpec.Mode.MODE_STRICT);
        assertThat(MtlsModeTranslator.mode("legacy", MESH_STRICT_LEGACY_PERMISSIVE)).contains(MtlsModeSpec.Mode.MODE_PERMISSIVE);
        assertThat(MtlsModeTranslator.mode("greeter", List.of())).isEmpty();
    }

    @Test
    void strictServerRequiresAClientCertificateAndStrictCallersCheckTheServersSpiffeId() throws Exception {
        TransportSocket server = MtlsModeTranslator.serverTransportSocket("greeter", MESH_STRICT_LEGACY_PERMISSIVE).orElseThrow();
        TransportSocket client = MtlsModeTranslator.clientTransportSocket("greeter", "acme.example",
                MESH_STRICT_LEGACY_PERMISSIVE).orElseThrow();

        DownstreamTlsContext downstream = server.getTypedConfig().unpack(DownstreamTlsContext.class);
        assertThat(downstream.getRequireClientCertificate().getValue()).isTrue();
        assertThat(downstream.getCommonTlsContext().getValidationContext().getCaCertificateProviderInstance().getInstanceName())
                .isEqualTo(CertificateProviders.WORKLOAD);
        UpstreamTlsContext upstream = client.getTypedConfig().unpack(UpstreamTlsContext.class);
        assertThat(upstream.getCommonTlsContext().getTlsCertificateProviderInstance().getInstanceName())
                .isEqualTo(CertificateProviders.WORKLOAD);
        Golden.assertMatches(GOLDEN, "strict-server-and-client.golden.json",
                "[" + PRINTER.print(server) + ",\n" + PRINTER.print(client) + "]");
    }

    @Test
    void permissiveAndUnsetLeaveServerAndCallersInPlaintext() {
        assertThat(MtlsModeTranslator.serverTransportSocket("legacy", MESH_STRICT_LEGACY_PERMISSIVE)).isEmpty();
        assertThat(MtlsModeTranslator.clientTransportSocket("legacy", "acme.example", MESH_STRICT_LEGACY_PERMISSIVE)).isEmpty();
        assertThat(MtlsModeTranslator.serverTransportSocket("greeter", List.of())).isEmpty();
        assertThat(MtlsModeTranslator.clientTransportSocket("greeter", "acme.example", List.of())).isEmpty();
    }

    static Policy mtlsMode(String name, String service, MtlsModeSpec.Mode mode) {
        Target target = service == null
                ? Target.newBuilder().setMesh(true).build()
                : Target.newBuilder().setService(ServiceSubset.newBuilder().setService(service)).build();
        return Policy.newBuilder()
                .setKind(MtlsModeKind.NAME)
                .setName(name)
                .setTarget(target)
                .setMtlsMode(MtlsModeSpec.newBuilder().setMode(mode))
                .build();
    }
}

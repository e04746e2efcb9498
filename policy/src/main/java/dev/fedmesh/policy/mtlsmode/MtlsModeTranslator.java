package dev.fedmesh.policy.mtlsmode;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import dev.fedmesh.api.v1.MtlsModeSpec;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.policy.xds.CertificateProviders;
import dev.fedmesh.policy.xds.WorkloadIdentities;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * MtlsMode's xDS translation. For a service whose mode is {@code STRICT} (its own MtlsMode, else the
 * mesh's): its workloads' server listeners get a DownstreamTlsContext that presents the workload's
 * SVID and requires a client certificate chaining to the tenant's trust bundle; its callers'
 * clusters get an UpstreamTlsContext that presents the caller's SVID and accepts only a server
 * certificate carrying one of the service's SPIFFE ids ({@link WorkloadIdentities#ofService}).
 * Certificates and roots come from the {@link CertificateProviders#WORKLOAD} instance.
 *
 * <p>{@code PERMISSIVE}, and no MtlsMode at all, leave both sides in plaintext: a proxyless gRPC
 * server cannot accept TLS and plaintext on one port (grpc-java selects filter chains only with an
 * empty or {@code raw_buffer} transport protocol and refuses listener filters, so there is no TLS
 * inspector), so plaintext is what keeps callers outside the mesh working.
 */
public final class MtlsModeTranslator {

    /** The name Envoy and gRPC know the TLS transport socket by. */
    public static final String TLS_TRANSPORT_SOCKET = "envoy.transport_sockets.tls";

    private MtlsModeTranslator() {
    }

    /**
     * The service's mode: its own MtlsMode, else the mesh's, else empty. The API allows one per
     * target; should stored data hold more, the first by name decides.
     */
    public static Optional<MtlsModeSpec.Mode> mode(String service, List<Policy> policies) {
        List<Policy> modes = policies.stream()
                .filter(p -> MtlsModeKind.NAME.equals(p.getKind()) && p.hasMtlsMode())
                .sorted(Comparator.comparing(Policy::getName))
                .toList();
        return modes.stream()
                .filter(p -> p.getTarget().hasService() && p.getTarget().getService().getService().equals(service))
                .findFirst()
                .or(() -> modes.stream().filter(p -> p.getTarget().getMesh()).findFirst())
                .map(p -> p.getMtlsMode().getMode())
                .filter(mode -> mode == MtlsModeSpec.Mode.MODE_STRICT || mode == MtlsModeSpec.Mode.MODE_PERMISSIVE);
    }

    /** Whether the service's workloads accept only mutual TLS. */
    public static boolean strict(String service, List<Policy> policies) {
        return mode(service, policies).orElse(null) == MtlsModeSpec.Mode.MODE_STRICT;
    }

    /** The transport socket of the service's server listeners: mutual TLS when STRICT, else none (plaintext). */
    public static Optional<TransportSocket> serverTransportSocket(String service, List<Policy> policies) {
        if (!strict(service, policies)) {
            return Optional.empty();
        }
        DownstreamTlsContext tls = DownstreamTlsContext.newBuilder()
                .setCommonTlsContext(CommonTlsContext.newBuilder()
                        .setTlsCertificateProviderInstance(CertificateProviders.workload())
                        .setValidationContext(CertificateValidationContext.newBuilder()
                                .setCaCertificateProviderInstance(CertificateProviders.workload())))
                .setRequireClientCertificate(BoolValue.of(true))
                .build();
        return Optional.of(transportSocket(Any.pack(tls)));
    }

    /**
     * The transport socket of the clusters that call the service: mutual TLS checking the server's
     * SPIFFE id when the service is STRICT, else none (plaintext).
     */
    @SuppressWarnings("deprecation")
    public static Optional<TransportSocket> clientTransportSocket(
            String service, String trustDomain, List<Policy> policies) {
        if (!strict(service, policies)) {
            return Optional.empty();
        }
        StringMatcher serverIdentity = WorkloadIdentities.ofService(trustDomain, service);
        UpstreamTlsContext tls = UpstreamTlsContext.newBuilder()
                .setCommonTlsContext(CommonTlsContext.newBuilder()
                        .setTlsCertificateProviderInstance(CertificateProviders.workload())
                        .setValidationContext(CertificateValidationContext.newBuilder()
                                .setCaCertificateProviderInstance(CertificateProviders.workload())
                                // Envoy reads the typed matchers and ignores the deprecated list when
                                // both are set; grpc-java reads only the deprecated list.
                                .addMatchTypedSubjectAltNames(SubjectAltNameMatcher.newBuilder()
                                        .setSanType(SubjectAltNameMatcher.SanType.URI)
                                        .setMatcher(serverIdentity))
                                .addMatchSubjectAltNames(serverIdentity)))
                .build();
        return Optional.of(transportSocket(Any.pack(tls)));
    }

    private static TransportSocket transportSocket(Any tls) {
        return TransportSocket.newBuilder().setName(TLS_TRANSPORT_SOCKET).setTypedConfig(tls).build();
    }
}

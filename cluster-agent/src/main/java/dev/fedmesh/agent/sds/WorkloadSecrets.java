package dev.fedmesh.agent.sds;

import com.google.protobuf.ByteString;
import dev.fedmesh.agent.trust.WorkloadIdentityMaterial;
import dev.fedmesh.trust.spiffe.SpiffeId;
import dev.fedmesh.trust.spiffe.TrustDomain;
import dev.fedmesh.trust.x509.CertificateUris;
import dev.fedmesh.trust.x509.Pem;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The SDS secrets of a cluster's local workloads, as Envoy names them in its {@code sds_config}s:
 * one {@code tls_certificate} per workload (its SVID chain and private key) named by the workload's
 * SPIFFE id, {@code spiffe://<trust domain>/ns/<namespace>/sa/<service>}, and one
 * {@code validation_context} holding the trust bundle named by the trust domain's id,
 * {@code spiffe://<trust domain>} (SPIRE's SDS names them the same way). A pure function of the
 * certificates: the name is read from each SVID's URI SAN, so a secret is always named by the
 * identity its certificate proves.
 */
public final class WorkloadSecrets {

    private WorkloadSecrets() {
    }

    /** The name of the secret holding {@code trustDomain}'s bundle: {@code spiffe://<trust domain>}. */
    public static String bundleName(TrustDomain trustDomain) {
        return trustDomain.id().toString();
    }

    /**
     * The secrets of {@code workloads}, sorted by name: each workload's certificate, and the bundle of
     * each trust domain among them holding every root any of its workloads trusts (they all hold the
     * same bundle, but while the agent rewrites them after a bundle change, no root is dropped early).
     */
    public static List<Secret> of(List<WorkloadIdentityMaterial> workloads) {
        Map<String, Secret> secrets = new TreeMap<>();
        Map<TrustDomain, Set<X509Certificate>> bundles = new TreeMap<>(Comparator.comparing(TrustDomain::name));
        for (WorkloadIdentityMaterial workload : workloads) {
            SpiffeId id = idOf(workload);
            secrets.put(id.toString(), Secret.newBuilder()
                    .setName(id.toString())
                    .setTlsCertificate(TlsCertificate.newBuilder()
                            .setCertificateChain(inline(workload.certificateChainPem()))
                            .setPrivateKey(inline(workload.privateKeyPem())))
                    .build());
            bundles.computeIfAbsent(id.trustDomain(), domain -> new LinkedHashSet<>())
                    .addAll(Pem.certificates(workload.trustBundlePem()));
        }
        bundles.forEach((domain, roots) -> secrets.put(bundleName(domain), Secret.newBuilder()
                .setName(bundleName(domain))
                .setValidationContext(CertificateValidationContext.newBuilder()
                        .setTrustedCa(inline(Pem.write(new ArrayList<>(roots)))))
                .build()));
        return List.copyOf(secrets.values());
    }

    /** The SPIFFE id the workload's SVID (the first certificate of its chain) carries. */
    static SpiffeId idOf(WorkloadIdentityMaterial workload) {
        X509Certificate svid = Pem.certificates(workload.certificateChainPem()).get(0);
        List<String> uris = CertificateUris.of(svid);
        if (uris.size() != 1) {
            throw new IllegalArgumentException("an X.509-SVID carries exactly one URI SAN, this one " + uris);
        }
        return SpiffeId.parse(uris.get(0));
    }

    private static DataSource inline(String pem) {
        return DataSource.newBuilder().setInlineBytes(ByteString.copyFrom(pem, StandardCharsets.US_ASCII)).build();
    }
}

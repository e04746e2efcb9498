package dev.fedmesh.agent.health;

import dev.fedmesh.trust.spiffe.TrustDomain;
import dev.fedmesh.trust.x509.CertificateUris;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.grpc.util.AdvancedTlsX509KeyManager;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The agent's own SVID ({@code spiffe://<trust domain>/fedmesh/agent/<cluster>}), with which it
 * health-checks the workloads of STRICT mTLS services: presented as the client certificate, while a
 * workload's certificate must chain to the tenant's trust bundle and carry a SPIFFE id of the trust
 * domain. Workloads are reached by address and named by SPIFFE id, so no host name is checked.
 * Updated in place: every handshake after an {@link #update} uses the new SVID and bundle, so no
 * channel or client is rebuilt when the SVID is renewed or the roots rotate.
 */
public final class ProbeIdentity {

    private final AdvancedTlsX509KeyManager keys = new AdvancedTlsX509KeyManager();
    private final BundleTrustManager trust = new BundleTrustManager();
    private final SslContext grpc;
    private final SSLContext http;
    private volatile boolean present;

    public ProbeIdentity() {
        try {
            // The JDK provider, so that the trust manager alone judges the server (OpenSSL would check a host name).
            this.grpc = GrpcSslContexts.configure(SslContextBuilder.forClient(), SslProvider.JDK)
                    .keyManager(keys)
                    .trustManager(trust)
                    .build();
            this.http = SSLContext.getInstance("TLS");
            this.http.init(new KeyManager[] {keys}, new TrustManager[] {trust}, null);
        } catch (SSLException | GeneralSecurityException e) {
            throw new IllegalStateException("the JDK offers no TLS client: " + e.getMessage(), e);
        }
    }

    /** From now on presents {@code chain} (the SVID first) with {@code key}, and trusts workloads of {@code trustDomain} under {@code roots}. */
    public void update(List<X509Certificate> chain, PrivateKey key, TrustDomain trustDomain, List<X509Certificate> roots) {
        if (chain.isEmpty() || roots.isEmpty()) {
            throw new IllegalArgumentException("a probe identity needs an SVID and at least one root");
        }
        trust.use(trustDomain, roots);
        keys.updateIdentityCredentials(chain.toArray(X509Certificate[]::new), key);
        present = true;
    }

    /** Whether the agent holds an SVID to probe STRICT services with. */
    public boolean present() {
        return present;
    }

    /** TLS for gRPC channels (grpc-netty-shaded). */
    SslContext grpcContext() {
        return grpc;
    }

    /** TLS for the JDK's HttpClient. */
    SSLContext httpContext() {
        return http;
    }

    /** Trusts a server whose chain validates to the bundle and whose leaf names a SPIFFE id of the trust domain. */
    private static final class BundleTrustManager extends X509ExtendedTrustManager {

        private volatile Bundle bundle;

        void use(TrustDomain trustDomain, List<X509Certificate> roots) {
            Set<TrustAnchor> anchors = new LinkedHashSet<>();
            roots.forEach(root -> anchors.add(new TrustAnchor(root, null)));
            bundle = new Bundle("spiffe://" + trustDomain.name() + "/", Set.copyOf(anchors),
                    roots.toArray(X509Certificate[]::new));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            Bundle current = bundle;
            if (current == null) {
                throw new CertificateException("the agent holds no trust bundle yet");
            }
            if (chain == null || chain.length == 0) {
                throw new CertificateException("the workload presented no certificate");
            }
            try {
                PKIXParameters parameters = new PKIXParameters(current.anchors());
                parameters.setRevocationEnabled(false);
                CertPathValidator.getInstance("PKIX").validate(
                        CertificateFactory.getInstance("X.509").generateCertPath(List.of(chain)), parameters);
            } catch (GeneralSecurityException e) {
                throw new CertificateException("the workload's certificate does not chain to the tenant's trust bundle: "
                        + e.getMessage(), e);
            }
            List<String> uris = CertificateUris.of(chain[0]);
            if (uris.stream().noneMatch(uri -> uri.startsWith(current.idPrefix()))) {
                throw new CertificateException("the workload's certificate names " + uris + ", no SPIFFE id under "
                        + current.idPrefix());
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("the agent's probes are clients: they trust no client");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            Bundle current = bundle;
            return current == null ? new X509Certificate[0] : current.roots().clone();
        }

        private record Bundle(String idPrefix, Set<TrustAnchor> anchors, X509Certificate[] roots) {
        }
    }
}

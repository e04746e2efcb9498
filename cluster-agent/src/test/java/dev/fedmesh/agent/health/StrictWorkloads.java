package dev.fedmesh.agent.health;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.fedmesh.agent.ClusterPki;
import dev.fedmesh.policy.xds.WorkloadIdentities;
import dev.fedmesh.trust.spiffe.SpiffeId;
import dev.fedmesh.trust.svid.SvidIssuer;
import dev.fedmesh.trust.svid.X509Svid;
import dev.fedmesh.trust.x509.KeyType;
import dev.fedmesh.trust.x509.Pem;
import io.grpc.Server;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

/**
 * Workloads of a STRICT mTLS service for the agent's probes: servers that present an SVID and
 * accept only clients whose certificate chains to the tenant's roots, as a STRICT workload's
 * listener does, and the agent's own SVID to probe them with.
 */
final class StrictWorkloads {

    private StrictWorkloads() {
    }

    /** The agent of {@code cluster}'s probe identity, issued by {@code issuer} under {@code pki}'s roots. */
    static ProbeIdentity agentIdentity(ClusterPki pki, SvidIssuer issuer, String cluster) {
        ProbeIdentity identity = new ProbeIdentity();
        giveAgentSvid(identity, pki, issuer, cluster);
        return identity;
    }

    /** Gives {@code identity} the SVID of {@code cluster}'s agent, issued by {@code issuer} under {@code pki}'s roots. */
    static void giveAgentSvid(ProbeIdentity identity, ClusterPki pki, SvidIssuer issuer, String cluster) {
        Issued agent = issue(issuer, SpiffeId.parse(WorkloadIdentities.agentId(pki.trustDomain().name(), cluster)));
        identity.update(agent.chain(), agent.keys().getPrivate(), pki.trustDomain(), pki.roots());
    }

    /** A gRPC server of {@code service} answering the standard health check, over mutual TLS only. */
    static Server grpc(ClusterPki pki, SvidIssuer issuer, String service, HealthStatusManager health) throws IOException {
        return grpc(pki, issuer, service, health, pki);
    }

    /** As {@link #grpc(ClusterPki, SvidIssuer, String, HealthStatusManager)}, accepting clients under {@code clients}' roots. */
    static Server grpc(ClusterPki pki, SvidIssuer issuer, String service, HealthStatusManager health, ClusterPki clients)
            throws IOException {
        Issued workload = issue(issuer, pki.trustDomain().workload("default", service));
        TlsServerCredentials.Builder tls = TlsServerCredentials.newBuilder()
                .keyManager(stream(Pem.write(workload.chain())), stream(Pem.write(workload.keys().getPrivate())))
                .trustManager(stream(clients.rootsPem()))
                .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
        return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0), tls.build())
                .addService(health.getHealthService())
                .build()
                .start();
    }

    /** An HTTPS server of {@code service}, on loopback, that requires a client certificate under {@code pki}'s roots. */
    static HttpsServer https(ClusterPki pki, SvidIssuer issuer, String service) throws IOException {
        Issued workload = issue(issuer, pki.trustDomain().workload("default", service));
        try {
            char[] password = "workload".toCharArray();
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("svid", workload.keys().getPrivate(), password, workload.chain().toArray(X509Certificate[]::new));
            KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(keys, password);
            KeyStore roots = KeyStore.getInstance("PKCS12");
            roots.load(null, null);
            for (int i = 0; i < pki.roots().size(); i++) {
                roots.setCertificateEntry("root-" + i, pki.roots().get(i));
            }
            TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trustManagers.init(roots);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
            HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.setHttpsConfigurator(new HttpsConfigurator(context) {
                @Override
                public void configure(HttpsParameters parameters) {
                    SSLParameters ssl = context.getDefaultSSLParameters();
                    ssl.setNeedClientAuth(true);
                    parameters.setSSLParameters(ssl);
                }
            });
            return server;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Issued issue(SvidIssuer issuer, SpiffeId id) {
        KeyPair keys = KeyType.EC_P256.generate();
        X509Svid svid = issuer.issue(id, keys.getPublic(), Instant.now());
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(svid.certificate());
        chain.addAll(svid.intermediates());
        return new Issued(chain, keys);
    }

    private static ByteArrayInputStream stream(String pem) {
        return new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8));
    }

    private record Issued(List<X509Certificate> chain, KeyPair keys) {
    }
}

package dev.fedmesh.agent.xds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fedmesh.agent.XdsTlsPki;
import dev.fedmesh.trust.x509.Pem;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The xDS listener's certificate rotated in its files, as cert-manager does: once the files are
 * read again, new connections get the new certificate; files caught half-written change nothing.
 */
class ClientAuthenticatingTlsTest {

    @TempDir
    Path dir;

    private ClientAuthenticatingTls tls;
    private Server server;

    @AfterEach
    void stop() throws InterruptedException {
        if (server != null) {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (tls != null) {
            tls.close();
        }
    }

    @Test
    void aCertificateRotatedInItsFilesIsServedToNewConnectionsOnceReadAgain() throws Exception {
        XdsTlsPki serverCa = XdsTlsPki.ca("server-ca", dir);
        XdsTlsPki proxyCa = XdsTlsPki.ca("proxy-ca", dir);
        XdsTlsPki.Leaf first = serverCa.server(List.of(InetAddress.getLoopbackAddress()));
        X509Certificate firstCertificate = leaf(first);
        tls = ClientAuthenticatingTls.start(proxyCa.serverTls(first));
        server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                        tls.credentials())
                .addService(new AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase() {
                })
                .build()
                .start();
        XdsTlsPki.Leaf proxy = proxyCa.client("frontend-1");

        assertThat(servedCertificate(serverCa, proxy)).isEqualTo(firstCertificate);

        X509Certificate secondCertificate = leaf(serverCa.server(List.of(InetAddress.getLoopbackAddress())));
        assertThat(secondCertificate).isNotEqualTo(firstCertificate);
        tls.reload();
        assertThat(servedCertificate(serverCa, proxy)).isEqualTo(secondCertificate);

        Files.writeString(first.certificateFile(), "-----BEGIN CERTIFICATE-----\nMIIB");
        tls.reload();
        assertThat(servedCertificate(serverCa, proxy)).as("after a half-written file").isEqualTo(secondCertificate);
    }

    private static X509Certificate leaf(XdsTlsPki.Leaf files) throws Exception {
        return Pem.certificates(Files.readString(files.certificateFile())).get(0);
    }

    /** The certificate a new connection of {@code proxy} is served, seen in a real TLS handshake of an ADS stream. */
    private X509Certificate servedCertificate(XdsTlsPki serverCa, XdsTlsPki.Leaf proxy) throws Exception {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        KeyStore roots = KeyStore.getInstance("PKCS12");
        roots.load(null, null);
        roots.setCertificateEntry("server-ca",
                Pem.certificates(Files.readString(serverCa.certificateFile())).get(0));
        factory.init(roots);
        X509TrustManager trusting = (X509TrustManager) factory.getTrustManagers()[0];
        AtomicReference<X509Certificate> served = new AtomicReference<>();
        X509TrustManager recording = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
                throw new UnsupportedOperationException("a client only");
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType)
                    throws CertificateException {
                trusting.checkServerTrusted(chain, authType);
                served.set(chain[0]);
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return trusting.getAcceptedIssuers();
            }
        };
        ManagedChannel channel = Grpc.newChannelBuilder("127.0.0.1:" + server.getPort(),
                TlsChannelCredentials.newBuilder()
                        .trustManager(recording)
                        .keyManager(proxy.certificateFile().toFile(), proxy.privateKeyFile().toFile())
                        .build()).build();
        try {
            StreamObserver<DiscoveryRequest> requests = AggregatedDiscoveryServiceGrpc.newStub(channel)
                    .streamAggregatedResources(new StreamObserver<DiscoveryResponse>() {
                        @Override
                        public void onNext(DiscoveryResponse value) {
                        }

                        @Override
                        public void onError(Throwable t) {
                        }

                        @Override
                        public void onCompleted() {
                        }
                    });
            requests.onNext(DiscoveryRequest.getDefaultInstance());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (served.get() == null && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            return served.get();
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}

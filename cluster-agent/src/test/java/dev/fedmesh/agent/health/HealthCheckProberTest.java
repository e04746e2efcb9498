package dev.fedmesh.agent.health;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsServer;
import dev.fedmesh.agent.ClusterPki;
import dev.fedmesh.trust.svid.SvidIssuer;
import dev.fedmesh.trust.x509.CertificateUris;
import dev.fedmesh.policy.healthcheck.HealthCheck;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each kind of check against a real server: gRPC health, HTTP and TCP, in plaintext and, for STRICT
 * mTLS workloads, over mutual TLS with the agent's SVID.
 */
class HealthCheckProberTest {

    private static final Duration INTERVAL = Duration.ofSeconds(10);
    /** Long, so that a first probe on a loaded machine (a new channel, classes loading) passes in time. */
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final ExecutorService pool = Executors.newFixedThreadPool(2);
    private final TcpProber tcp = new TcpProber("health-check-prober-test");
    private final HealthCheckProber prober = new HealthCheckProber(tcp, pool, new ProbeIdentity());
    @TempDir
    Path dir;
    private Server grpcServer;
    private HttpServer httpServer;

    @AfterEach
    void stop() throws InterruptedException {
        prober.close();
        tcp.close();
        pool.shutdownNow();
        if (grpcServer != null) {
            grpcServer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (httpServer != null) {
            httpServer.stop(0);
        }
    }

    @Test
    void aGrpcCheckPassesWhileTheServiceIsServingAndFailsWhileItIsNot() throws IOException {
        HealthStatusManager health = new HealthStatusManager();
        grpcServer = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(health.getHealthService()).build().start();
        health.setStatus("greeter.v1.Greeter", ServingStatus.SERVING);
        ServiceEndpoint endpoint = endpoint(grpcServer.getPort());

        assertThat(probe(endpoint, new HealthCheck.Grpc("greeter.v1.Greeter"))).isEqualTo(new ProbeResult(true, "SERVING"));

        health.setStatus("greeter.v1.Greeter", ServingStatus.NOT_SERVING);
        assertThat(probe(endpoint, new HealthCheck.Grpc("greeter.v1.Greeter")))
                .isEqualTo(ProbeResult.failed("answered NOT_SERVING"));
        assertThat(probe(endpoint, new HealthCheck.Grpc("")).passed()).as("the whole server still serves").isTrue();
        assertThat(probe(endpoint, new HealthCheck.Grpc("billing.v1.Billing")).detail())
                .as("a service the server does not know").startsWith("gRPC NOT_FOUND");

        health.setStatus("greeter.v1.Greeter", ServingStatus.SERVING);
        assertThat(probe(endpoint, new HealthCheck.Grpc("greeter.v1.Greeter")).passed()).isTrue();
    }

    @Test
    void aGrpcCheckSeesAServerComeBackAtItsNextProbe() throws IOException {
        HealthStatusManager health = new HealthStatusManager();
        grpcServer = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(health.getHealthService()).build().start();
        int port = grpcServer.getPort();
        ServiceEndpoint endpoint = endpoint(port);
        assertThat(probe(endpoint, new HealthCheck.Grpc("")).passed()).isTrue();

        grpcServer.shutdownNow();
        assertThat(probe(endpoint, new HealthCheck.Grpc("")).passed()).isFalse();
        assertThat(probe(endpoint, new HealthCheck.Grpc("")).passed()).isFalse();

        grpcServer = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                .addService(new HealthStatusManager().getHealthService()).build().start();
        // The channel's reconnect back-off is reset for each probe, so the first probe after the restart passes.
        assertThat(probe(endpoint, new HealthCheck.Grpc("")).passed()).isTrue();
    }

    @Test
    void anHttpCheckPassesOnAnExpectedStatusAndFailsOnAnother() throws IOException {
        AtomicInteger status = new AtomicInteger(200);
        httpServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        httpServer.createContext("/healthz", exchange -> {
            exchange.sendResponseHeaders(status.get(), -1);
            exchange.close();
        });
        httpServer.start();
        ServiceEndpoint endpoint = endpoint(httpServer.getAddress().getPort());
        HealthCheck.Http healthz = new HealthCheck.Http("/healthz", List.of(200, 204));

        assertThat(probe(endpoint, healthz)).isEqualTo(new ProbeResult(true, "HTTP 200"));
        status.set(503);
        assertThat(probe(endpoint, healthz)).isEqualTo(ProbeResult.failed("HTTP 503, expected one of [200, 204]"));
        status.set(204);
        assertThat(probe(endpoint, healthz).passed()).isTrue();
        assertThat(probe(endpoint, new HealthCheck.Http("/missing", List.of(200))).detail()).startsWith("HTTP 404");
    }

    @Test
    void anHttpCheckOfAnEndpointThatNeverAnswersFailsAtItsTimeout() throws IOException {
        httpServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        httpServer.setExecutor(Executors.newSingleThreadExecutor());
        httpServer.createContext("/healthz", exchange -> {
            try {
                Thread.sleep(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        httpServer.start();

        ProbeResult result = prober.probe(endpoint(httpServer.getAddress().getPort()), new HealthCheck(INTERVAL,
                Duration.ofMillis(300), 3, 1, new HealthCheck.Http("/healthz", List.of(200)))).join();

        assertThat(result.passed()).isFalse();
        assertThat(result.detail()).contains("timed out");
    }

    @Test
    void aTcpCheckPassesWhileThePortAcceptsAndFailsOnceItIsClosed() {
        try (TcpServer server = TcpServer.answering()) {
            ServiceEndpoint endpoint = endpoint(server.port());
            assertThat(probe(endpoint, new HealthCheck.Tcp())).isEqualTo(ProbeResult.CONNECTED);

            server.refuse();
            assertThat(probe(endpoint, new HealthCheck.Tcp())).isEqualTo(ProbeResult.failed("connection refused"));
        }
    }

    @Test
    void aStrictWorkloadsGrpcCheckIsMadeOverMutualTlsWithTheAgentsSvidAndSeesNotServing() throws IOException {
        ClusterPki acme = new ClusterPki(dir.resolve("acme-ca"), "acme.fedmesh.dev");
        SvidIssuer east = acme.clusterIssuer("east");
        HealthStatusManager health = new HealthStatusManager();
        grpcServer = StrictWorkloads.grpc(acme, east, "greeter", health);
        health.setStatus("greeter.v1.Greeter", ServingStatus.SERVING);
        ServiceEndpoint endpoint = endpoint(grpcServer.getPort());
        HealthCheck.Grpc check = new HealthCheck.Grpc("greeter.v1.Greeter");
        try (HealthCheckProber agent = new HealthCheckProber(tcp, pool, StrictWorkloads.agentIdentity(acme, east, "east"))) {
            assertThat(probe(agent, endpoint, check, true)).isEqualTo(new ProbeResult(true, "SERVING"));
            health.setStatus("greeter.v1.Greeter", ServingStatus.NOT_SERVING);
            assertThat(probe(agent, endpoint, check, true)).isEqualTo(ProbeResult.failed("answered NOT_SERVING"));
        }
        assertThat(probe(prober, endpoint, check, true))
                .as("an agent without an SVID does not try").isEqualTo(ProbeResult.failed(
                        "not probed: the agent holds no SVID yet to make a mutual TLS check with"));
        assertThat(probe(prober, endpoint, check, false).passed()).as("a plaintext check of a STRICT workload").isFalse();
    }

    @Test
    void aMutualTlsCheckTrustsOnlyWorkloadsUnderTheTenantsRoots() throws IOException {
        ClusterPki acme = new ClusterPki(dir.resolve("acme-ca"), "acme.fedmesh.dev");
        ClusterPki forger = new ClusterPki(dir.resolve("forged-ca"), "acme.fedmesh.dev");
        HealthStatusManager health = new HealthStatusManager();
        // The forged workload would accept the agent: only the agent's check of the workload can refuse.
        grpcServer = StrictWorkloads.grpc(forger, forger.clusterIssuer("east"), "greeter", health, acme);
        ServiceEndpoint endpoint = endpoint(grpcServer.getPort());
        try (HealthCheckProber agent = new HealthCheckProber(tcp, pool,
                StrictWorkloads.agentIdentity(acme, acme.clusterIssuer("east"), "east"))) {
            assertThat(probe(agent, endpoint, new HealthCheck.Grpc(""), true).passed())
                    .as("a workload serving the whole server, whose certificate is not under acme's roots").isFalse();
        }
    }

    @Test
    void aStrictWorkloadsHttpCheckIsAnHttpsGetPresentingTheAgentsSvid() throws Exception {
        ClusterPki acme = new ClusterPki(dir.resolve("acme-ca"), "acme.fedmesh.dev");
        SvidIssuer east = acme.clusterIssuer("east");
        AtomicInteger status = new AtomicInteger(200);
        List<String> callers = new CopyOnWriteArrayList<>();
        HttpsServer https = StrictWorkloads.https(acme, east, "greeter");
        httpServer = https;
        https.createContext("/healthz", exchange -> {
            X509Certificate caller = (X509Certificate) ((HttpsExchange) exchange).getSSLSession().getPeerCertificates()[0];
            callers.addAll(CertificateUris.of(caller));
            exchange.sendResponseHeaders(status.get(), -1);
            exchange.close();
        });
        https.start();
        ServiceEndpoint endpoint = endpoint(https.getAddress().getPort());
        HealthCheck.Http healthz = new HealthCheck.Http("/healthz", List.of(200));
        try (HealthCheckProber agent = new HealthCheckProber(tcp, pool, StrictWorkloads.agentIdentity(acme, east, "east"))) {
            assertThat(probe(agent, endpoint, healthz, true)).isEqualTo(new ProbeResult(true, "HTTP 200"));
            status.set(503);
            assertThat(probe(agent, endpoint, healthz, true)).isEqualTo(ProbeResult.failed("HTTP 503, expected one of [200]"));
        }
        assertThat(callers).containsOnly("spiffe://acme.fedmesh.dev/fedmesh/agent/east");
    }

    private ProbeResult probe(HealthCheckProber by, ServiceEndpoint endpoint, HealthCheck.Probe probe, boolean mutualTls) {
        return by.probe(endpoint, new HealthCheck(INTERVAL, TIMEOUT, 3, 1, probe), mutualTls).join();
    }

    private ProbeResult probe(ServiceEndpoint endpoint, HealthCheck.Probe probe) {
        // join() waits at most the timeout: the prober completes every probe by then.
        return prober.probe(endpoint, new HealthCheck(INTERVAL, TIMEOUT, 3, 1, probe)).join();
    }

    private static ServiceEndpoint endpoint(int port) {
        return new ServiceEndpoint("greeter", "127.0.0.1", port, Map.of());
    }
}

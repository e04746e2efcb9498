package dev.fedmesh.agent.health;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Duration;
import dev.fedmesh.api.v1.EndpointHealth;
import dev.fedmesh.api.v1.HealthCheckSpec;
import dev.fedmesh.api.v1.MtlsModeSpec;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.api.v1.ServiceSubset;
import dev.fedmesh.api.v1.Target;
import dev.fedmesh.agent.ClusterPki;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import dev.fedmesh.trust.svid.SvidIssuer;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's runner of HealthCheck policies against real TCP listeners, with checks every 200 ms
 * (shorter than the API allows, to keep the tests short); waits are bounded at 30 s.
 */
class EndpointHealthChecksTest {

    private static final EndpointHealth HEALTHY = EndpointHealth.ENDPOINT_HEALTH_HEALTHY;
    private static final EndpointHealth UNHEALTHY = EndpointHealth.ENDPOINT_HEALTH_UNHEALTHY;
    private static final EndpointHealth UNKNOWN = EndpointHealth.ENDPOINT_HEALTH_UNKNOWN;

    private final TcpProber tcp = new TcpProber("endpoint-health-checks-test");
    private final Verdicts verdicts = new Verdicts();
    private final ProbeIdentity identity = new ProbeIdentity();
    private final EndpointHealthChecks checks = new EndpointHealthChecks("acme", "east", verdicts, tcp, identity);
    @TempDir
    Path dir;
    private final TcpServer server = TcpServer.answering();
    private final ServiceEndpoint db = new ServiceEndpoint("db", "127.0.0.1", server.port(), Map.of());

    @AfterEach
    void stop() {
        checks.close();
        tcp.close();
        server.close();
    }

    @Test
    void aChangedCheckGoesOnFromTheVerdictServedAndARemovedOneForgetsIt() throws InterruptedException {
        checks.endpointsChanged(List.of(db));
        checks.policiesChanged(List.of(tcpCheck("db", 200)));
        verdicts.await(db, HEALTHY);
        server.refuse();
        verdicts.await(db, UNHEALTHY);

        checks.policiesChanged(List.of(tcpCheck("db", 300)));
        server.answer();
        verdicts.await(db, HEALTHY);
        assertThat(verdicts.of(db)).as("no UNKNOWN between the old check and the new").containsExactly(HEALTHY, UNHEALTHY, HEALTHY);

        checks.policiesChanged(List.of());
        verdicts.await(db, UNKNOWN);
    }

    @Test
    void aStrictServicesGrpcCheckIsMadeAsATcpConnectUntilTheAgentHoldsItsSvid() throws Exception {
        checks.endpointsChanged(List.of(db));

        // The listener accepts and closes at once: a gRPC check would fail, a TCP connect passes.
        checks.policiesChanged(List.of(grpcCheck("db"), strictMesh()));

        verdicts.await(db, HEALTHY);
    }

    @Test
    void aStrictServicesGrpcCheckIsMadeOverMutualTlsOnceTheAgentHoldsItsSvid() throws Exception {
        ClusterPki acme = new ClusterPki(dir.resolve("acme-ca"), "acme.fedmesh.dev");
        SvidIssuer east = acme.clusterIssuer("east");
        HealthStatusManager health = new HealthStatusManager();
        Server workload = StrictWorkloads.grpc(acme, east, "greeter", health);
        try {
            health.setStatus("db.v1.Db", ServingStatus.NOT_SERVING);
            ServiceEndpoint greeter = new ServiceEndpoint("greeter", "127.0.0.1", workload.getPort(), Map.of());
            checks.endpointsChanged(List.of(greeter));
            checks.policiesChanged(List.of(grpcCheck("greeter"), strictMesh()));
            verdicts.await(greeter, HEALTHY); // a TCP connect, while the agent holds no SVID

            StrictWorkloads.giveAgentSvid(identity, acme, east, "east");
            checks.identityChanged();

            verdicts.await(greeter, UNHEALTHY); // the workload answers NOT_SERVING over mutual TLS
            health.setStatus("db.v1.Db", ServingStatus.SERVING);
            verdicts.await(greeter, HEALTHY);
        } finally {
            workload.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static Policy grpcCheck(String service) {
        return tcpCheck(service, 200).toBuilder()
                .setHealthCheck(tcpCheck(service, 200).getHealthCheck().toBuilder()
                        .setGrpc(HealthCheckSpec.Grpc.newBuilder().setServiceName("db.v1.Db")))
                .build();
    }

    private static Policy strictMesh() {
        return Policy.newBuilder().setKind("MtlsMode").setName("mesh-strict")
                .setTarget(Target.newBuilder().setMesh(true))
                .setMtlsMode(MtlsModeSpec.newBuilder().setMode(MtlsModeSpec.Mode.MODE_STRICT))
                .build();
    }

    private static Policy tcpCheck(String service, int intervalMillis) {
        return Policy.newBuilder()
                .setKind("HealthCheck")
                .setName(service + "-health")
                .setTarget(Target.newBuilder().setService(ServiceSubset.newBuilder().setService(service)))
                .setHealthCheck(HealthCheckSpec.newBuilder()
                        .setInterval(Duration.newBuilder().setNanos(intervalMillis * 1_000_000))
                        .setTimeout(Duration.newBuilder().setNanos(150_000_000))
                        .setUnhealthyThreshold(2)
                        .setHealthyThreshold(1)
                        .setTcp(HealthCheckSpec.Tcp.getDefaultInstance()))
                .build();
    }

    /** Every verdict handed over, in order. */
    private static final class Verdicts implements CheckedEndpoints {
        private final List<Map.Entry<ServiceEndpoint, EndpointHealth>> told = new CopyOnWriteArrayList<>();

        @Override
        public void checked(Map<ServiceEndpoint, EndpointHealth> verdicts) {
            told.addAll(verdicts.entrySet());
        }

        List<EndpointHealth> of(ServiceEndpoint endpoint) {
            return told.stream().filter(entry -> entry.getKey().equals(endpoint)).map(Map.Entry::getValue).toList();
        }

        void await(ServiceEndpoint endpoint, EndpointHealth health) throws InterruptedException {
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
            while (true) {
                List<EndpointHealth> seen = of(endpoint);
                if (!seen.isEmpty() && seen.get(seen.size() - 1) == health) {
                    return;
                }
                assertThat(System.nanoTime()).as("%s told %s (told so far: %s)", endpoint.address(), health, seen)
                        .isLessThan(deadline);
                Thread.sleep(20);
            }
        }
    }
}

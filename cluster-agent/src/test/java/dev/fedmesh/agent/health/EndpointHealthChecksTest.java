package dev.fedmesh.agent.health;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Duration;
import dev.fedmesh.api.v1.EndpointHealth;
import dev.fedmesh.api.v1.HealthCheckSpec;
import dev.fedmesh.api.v1.MtlsModeSpec;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.api.v1.ServiceSubset;
import dev.fedmesh.api.v1.Target;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

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
    private final EndpointHealthChecks checks = new EndpointHealthChecks("acme", "east", verdicts, tcp);
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
    void aStrictServicesGrpcCheckIsMadeAsATcpConnect() throws InterruptedException {
        Policy grpcCheck = tcpCheck("db", 200).toBuilder()
                .setHealthCheck(tcpCheck("db", 200).getHealthCheck().toBuilder()
                        .setGrpc(HealthCheckSpec.Grpc.newBuilder().setServiceName("db.v1.Db")))
                .build();
        Policy strict = Policy.newBuilder().setKind("MtlsMode").setName("mesh-strict")
                .setTarget(Target.newBuilder().setMesh(true))
                .setMtlsMode(MtlsModeSpec.newBuilder().setMode(MtlsModeSpec.Mode.MODE_STRICT))
                .build();
        checks.endpointsChanged(List.of(db));

        // The listener accepts and closes at once: a gRPC check would fail, a TCP connect passes.
        checks.policiesChanged(List.of(grpcCheck, strict));

        verdicts.await(db, HEALTHY);
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

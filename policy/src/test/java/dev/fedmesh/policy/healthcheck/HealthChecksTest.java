package dev.fedmesh.policy.healthcheck;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Duration;
import dev.fedmesh.api.v1.HealthCheckSpec;
import dev.fedmesh.api.v1.Policy;
import dev.fedmesh.api.v1.ServiceSubset;
import dev.fedmesh.api.v1.Target;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HealthChecksTest {

    private static final ServiceEndpoint GREETER_V1 = new ServiceEndpoint("greeter", "10.0.0.1", 8080, Map.of("version", "v1"));
    private static final ServiceEndpoint GREETER_V2 = new ServiceEndpoint("greeter", "10.0.0.2", 8080, Map.of("version", "v2"));
    private static final ServiceEndpoint BILLING = new ServiceEndpoint("billing", "10.0.0.3", 9090, Map.of());

    @Test
    void anEndpointIsCheckedByItsServicesHealthCheck() {
        List<Policy> policies = List.of(check("greeter-health", "greeter", Map.of(), grpc("greeter.v1.Greeter")));

        HealthCheck check = HealthChecks.forEndpoint(GREETER_V1, policies).orElseThrow();

        assertThat(check.interval()).isEqualTo(java.time.Duration.ofSeconds(2));
        assertThat(check.timeout()).isEqualTo(java.time.Duration.ofMillis(500));
        assertThat(check.unhealthyThreshold()).isEqualTo(3);
        assertThat(check.healthyThreshold()).isEqualTo(2);
        assertThat(check.probe()).isEqualTo(new HealthCheck.Grpc("greeter.v1.Greeter"));
        assertThat(HealthChecks.forEndpoint(BILLING, policies)).as("another service keeps no check").isEmpty();
    }

    @Test
    void aSubsetsHealthCheckOverridesItsServicesForTheEndpointsItSelects() {
        List<Policy> policies = List.of(
                check("greeter-health", "greeter", Map.of(), HealthCheckSpec.newBuilder()
                        .setTcp(HealthCheckSpec.Tcp.getDefaultInstance())),
                check("greeter-v2-health", "greeter", Map.of("version", "v2"), HealthCheckSpec.newBuilder()
                        .setHttp(HealthCheckSpec.Http.newBuilder().setPath("/healthz").addExpectedStatuses(204))));

        assertThat(HealthChecks.forEndpoint(GREETER_V1, policies).orElseThrow().probe()).isEqualTo(new HealthCheck.Tcp());
        assertThat(HealthChecks.forEndpoint(GREETER_V2, policies).orElseThrow().probe())
                .isEqualTo(new HealthCheck.Http("/healthz", List.of(204)));
    }

    @Test
    void aServicesHealthCheckOverridesTheMeshsAndOtherKindsAreIgnored() {
        Policy mesh = check("mesh-health", "greeter", Map.of(), HealthCheckSpec.newBuilder()
                .setTcp(HealthCheckSpec.Tcp.getDefaultInstance())).toBuilder()
                .setTarget(Target.newBuilder().setMesh(true)).build();
        Policy route = Policy.newBuilder().setKind("TrafficRoute").setName("a-route")
                .setTarget(Target.newBuilder().setService(ServiceSubset.newBuilder().setService("greeter"))).build();
        List<Policy> policies = List.of(mesh, route, check("greeter-health", "greeter", Map.of(), grpc("")));

        assertThat(HealthChecks.forEndpoint(GREETER_V1, policies).orElseThrow().probe()).isEqualTo(new HealthCheck.Grpc(""));
        assertThat(HealthChecks.forEndpoint(BILLING, policies).orElseThrow().probe()).isEqualTo(new HealthCheck.Tcp());
    }

    @Test
    void anHttpCheckWithoutStatusesExpects200() {
        List<Policy> policies = List.of(check("greeter-health", "greeter", Map.of(), HealthCheckSpec.newBuilder()
                .setHttp(HealthCheckSpec.Http.newBuilder().setPath("/healthz"))));

        assertThat(HealthChecks.forEndpoint(GREETER_V1, policies).orElseThrow().probe())
                .isEqualTo(new HealthCheck.Http("/healthz", List.of(200)));
    }

    private static HealthCheckSpec.Builder grpc(String serviceName) {
        return HealthCheckSpec.newBuilder().setGrpc(HealthCheckSpec.Grpc.newBuilder().setServiceName(serviceName));
    }

    private static Policy check(String name, String service, Map<String, String> subset, HealthCheckSpec.Builder spec) {
        return Policy.newBuilder()
                .setKind(HealthCheckKind.NAME)
                .setName(name)
                .setTarget(Target.newBuilder().setService(ServiceSubset.newBuilder().setService(service).putAllLabels(subset)))
                .setHealthCheck(spec
                        .setInterval(Duration.newBuilder().setSeconds(2))
                        .setTimeout(Duration.newBuilder().setNanos(500_000_000))
                        .setUnhealthyThreshold(3)
                        .setHealthyThreshold(2))
                .build();
    }
}

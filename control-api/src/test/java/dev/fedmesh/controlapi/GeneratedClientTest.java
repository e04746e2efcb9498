package dev.fedmesh.controlapi;

import dev.fedmesh.client.ApiClient;
import dev.fedmesh.client.ApiException;
import dev.fedmesh.client.api.PoliciesApi;
import dev.fedmesh.client.model.CircuitBreakerPolicy;
import dev.fedmesh.client.model.CircuitBreakerSpec;
import dev.fedmesh.client.model.FailoverLocality;
import dev.fedmesh.client.model.FailoverOrderStep;
import dev.fedmesh.client.model.FailoverPolicy;
import dev.fedmesh.client.model.FailoverSpec;
import dev.fedmesh.client.model.FaultAbort;
import dev.fedmesh.client.model.FaultInjectionPolicy;
import dev.fedmesh.client.model.FaultInjectionSpec;
import dev.fedmesh.client.model.HealthCheckPolicy;
import dev.fedmesh.client.model.HealthCheckSpec;
import dev.fedmesh.client.model.HttpProbe;
import dev.fedmesh.client.model.MtlsModePolicy;
import dev.fedmesh.client.model.MtlsModeSpec;
import dev.fedmesh.client.model.PermissionRule;
import dev.fedmesh.client.model.PermissionSource;
import dev.fedmesh.client.model.Policy;
import dev.fedmesh.client.model.RateLimitOnLimit;
import dev.fedmesh.client.model.RateLimitPolicy;
import dev.fedmesh.client.model.RateLimitSpec;
import dev.fedmesh.client.model.RetryPolicy;
import dev.fedmesh.client.model.RetrySpec;
import dev.fedmesh.client.model.RouteShare;
import dev.fedmesh.client.model.Target;
import dev.fedmesh.client.model.TimeoutPolicy;
import dev.fedmesh.client.model.TimeoutSpec;
import dev.fedmesh.client.model.TrafficPermissionPolicy;
import dev.fedmesh.client.model.TrafficPermissionSpec;
import dev.fedmesh.client.model.TrafficRoutePolicy;
import dev.fedmesh.client.model.TrafficRouteSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A Java client generated from the served OpenAPI document (openapi-generator, as docs/api.md
 * tells users) writes and reads back one policy of every kind against the running API, and gets
 * each kind's canonical spec as its own type.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GeneratedClientTest {
    private static final Target GREETER = new Target().service("greeter");
    private RunningApi api;
    private PoliciesApi policies;
    private String tenant;

    @BeforeAll
    void aTenantWithTwoClustersAndTwoServices() {
        api = RunningApi.start(getClass(), Map.of());
        tenant = api.newTenant();
        String base = "/api/v1/tenants/" + tenant;
        api.send(api.adminToken, "POST", base + "/clusters", "{\"name\": \"east\", \"region\": \"us-east1\"}");
        api.send(api.adminToken, "POST", base + "/clusters", "{\"name\": \"west\", \"region\": \"us-west1\"}");
        api.send(api.adminToken, "PUT", base + "/services/greeter", "{}");
        api.send(api.adminToken, "PUT", base + "/services/frontend", "{}");
        ApiClient client = new ApiClient();
        client.updateBaseUri(api.base().toString().replaceAll("/$", ""));
        client.setRequestInterceptor(request -> request.header("Authorization", "Bearer " + api.adminToken));
        policies = new PoliciesApi(client);
    }

    @AfterAll
    void stopService() {
        api.close();
    }

    @Test
    void onePolicyOfEveryKindIsWrittenAndReadBackAsItsOwnType() throws ApiException {
        List<Policy> written = List.of(
                new Policy(new TrafficRoutePolicy().kind(TrafficRoutePolicy.KindEnum.TRAFFIC_ROUTE).target(GREETER)
                        .spec(new TrafficRouteSpec().split(List.of(
                                new RouteShare().subset(Map.of("version", "v1")).weight(80),
                                new RouteShare().subset(Map.of("version", "v2")).cluster("west").weight(20))))),
                new Policy(new TrafficPermissionPolicy().kind(TrafficPermissionPolicy.KindEnum.TRAFFIC_PERMISSION)
                        .target(GREETER).spec(new TrafficPermissionSpec().rules(List.of(new PermissionRule()
                                .action(PermissionRule.ActionEnum.ALLOW)
                                .sources(Set.of(new PermissionSource().service("frontend"))))))),
                new Policy(new MtlsModePolicy().kind(MtlsModePolicy.KindEnum.MTLS_MODE).target(new Target().mesh(true))
                        .spec(new MtlsModeSpec().mode(MtlsModeSpec.ModeEnum.STRICT))),
                new Policy(new RetryPolicy().kind(RetryPolicy.KindEnum.RETRY).target(GREETER)
                        .spec(new RetrySpec().attempts(2).retryOn(List.of(RetrySpec.RetryOnEnum.UNAVAILABLE)))),
                new Policy(new TimeoutPolicy().kind(TimeoutPolicy.KindEnum.TIMEOUT).target(GREETER)
                        .spec(new TimeoutSpec().request("2s"))),
                new Policy(new CircuitBreakerPolicy().kind(CircuitBreakerPolicy.KindEnum.CIRCUIT_BREAKER).target(GREETER)
                        .spec(new CircuitBreakerSpec().maxConnections(100))),
                new Policy(new RateLimitPolicy().kind(RateLimitPolicy.KindEnum.RATE_LIMIT).target(GREETER)
                        .spec(new RateLimitSpec().requests(100).interval("1s"))),
                new Policy(new FaultInjectionPolicy().kind(FaultInjectionPolicy.KindEnum.FAULT_INJECTION).target(GREETER)
                        .spec(new FaultInjectionSpec().abort(new FaultAbort().httpStatus(503).percentage(1.5)))),
                new Policy(new HealthCheckPolicy().kind(HealthCheckPolicy.KindEnum.HEALTH_CHECK).target(GREETER)
                        .spec(new HealthCheckSpec().interval("10s").timeout("1s").http(new HttpProbe().path("/healthz")))),
                new Policy(new FailoverPolicy().kind(FailoverPolicy.KindEnum.FAILOVER).target(GREETER)
                        .spec(new FailoverSpec().order(List.of(new FailoverOrderStep().cluster("east"),
                                new FailoverOrderStep().locality(new FailoverLocality().region("us-west1")))))));
        List<Object> canonicalSpecs = List.of(
                specOf(written.get(0)), specOf(written.get(1)), specOf(written.get(2)), specOf(written.get(3)),
                specOf(written.get(4)), specOf(written.get(5)),
                new RateLimitSpec().requests(100).interval("1s").burst(0).onLimit(new RateLimitOnLimit().httpStatus(429)),
                specOf(written.get(7)),
                new HealthCheckSpec().interval("10s").timeout("1s").unhealthyThreshold(3).healthyThreshold(1)
                        .http(new HttpProbe().path("/healthz").expectedStatuses(Set.of(200))),
                new FailoverSpec().order(((FailoverSpec) specOf(written.get(9))).getOrder()).healthyPercentThreshold(70));

        for (int i = 0; i < written.size(); i++) {
            Policy policy = written.get(i);
            String name = "p-" + i;
            policies.applyPolicy(tenant, name, policy, null, null);

            Policy read = policies.getPolicy(tenant, name);
            assertThat(read.getActualInstance()).as(name).isInstanceOf(policy.getActualInstance().getClass());
            assertThat(specOf(read)).as(name + "'s spec, in its canonical form").isEqualTo(canonicalSpecs.get(i));
        }
        List<String> listed = policies.listPolicies(tenant, null, null, null, null, null).getItems().stream()
                .map(item -> item.getActualInstance().getClass().getSimpleName()).toList();
        assertThat(listed).containsExactlyInAnyOrderElementsOf(
                written.stream().map(policy -> policy.getActualInstance().getClass().getSimpleName()).toList());
    }

    @Test
    void aRefusedPolicyComesBackAsAnApiExceptionCarryingTheProblem() {
        Policy badWeights = new Policy(new TrafficRoutePolicy().kind(TrafficRoutePolicy.KindEnum.TRAFFIC_ROUTE).target(GREETER)
                .spec(new TrafficRouteSpec().split(List.of(new RouteShare().subset(Map.of()).weight(90)))));

        assertThatThrownBy(() -> policies.applyPolicy(tenant, "bad-weights", badWeights, null, null))
                .isInstanceOfSatisfying(ApiException.class, refused -> {
                    assertThat(refused.getCode()).isEqualTo(400);
                    assertThat(refused.getResponseBody()).contains("\"code\":\"invalid_request\"").contains("spec.split");
                });
    }

    private static Object specOf(Policy policy) {
        Object instance = policy.getActualInstance();
        if (instance instanceof TrafficRoutePolicy p) {
            return p.getSpec();
        } else if (instance instanceof TrafficPermissionPolicy p) {
            return p.getSpec();
        } else if (instance instanceof MtlsModePolicy p) {
            return p.getSpec();
        } else if (instance instanceof RetryPolicy p) {
            return p.getSpec();
        } else if (instance instanceof TimeoutPolicy p) {
            return p.getSpec();
        } else if (instance instanceof CircuitBreakerPolicy p) {
            return p.getSpec();
        } else if (instance instanceof RateLimitPolicy p) {
            return p.getSpec();
        } else if (instance instanceof FaultInjectionPolicy p) {
            return p.getSpec();
        } else if (instance instanceof HealthCheckPolicy p) {
            return p.getSpec();
        } else if (instance instanceof FailoverPolicy p) {
            return p.getSpec();
        }
        throw new AssertionError("not a policy kind: " + instance);
    }
}

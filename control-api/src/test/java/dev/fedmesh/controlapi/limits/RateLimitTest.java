package dev.fedmesh.controlapi.limits;

import dev.fedmesh.controlapi.RunningApi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.util.Map;

import static dev.fedmesh.controlapi.RunningApi.json;
import static dev.fedmesh.controlapi.limits.QuotaTest.assertTooMany;
import static org.assertj.core.api.Assertions.assertThat;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RateLimitTest {
    private static final int BURST = 3;
    private RunningApi api;

    @BeforeAll
    void startService() {
        // One request per thousand seconds: no request is refilled while the test runs.
        api = RunningApi.start(getClass(), Map.of("fedmesh.api.rate-limit.requests-per-second", "0.001",
                "fedmesh.api.rate-limit.burst", BURST));
    }

    @AfterAll
    void stopService() {
        api.close();
    }

    @Test
    void aBurstOverTheLimitIsRefusedWithRetryAfterAndOnlyForThatTenant() {
        String busy = api.newTenant();
        String quiet = api.newTenant();
        String busyToken = api.mint(api.adminToken, busy, "ci", "viewer");
        String quietToken = api.mint(api.adminToken, quiet, "ci", "viewer");
        String clusters = "/api/v1/tenants/" + busy + "/clusters";

        for (int i = 0; i < BURST; i++) {
            assertThat(api.send(busyToken, "GET", clusters, null).statusCode()).isEqualTo(200);
        }
        HttpResponse<String> over = api.send(busyToken, "GET", clusters, null);

        assertTooMany(over, "rate_limited");
        assertThat(Long.parseLong(over.headers().firstValue("Retry-After").orElseThrow())).isGreaterThan(1);
        assertThat(json(over).get("message").asText()).contains(busy).contains("requests per second");
        assertThat(api.send(quietToken, "GET", "/api/v1/tenants/" + quiet + "/clusters", null).statusCode()).isEqualTo(200);
        assertThat(api.send(api.adminToken, "GET", clusters, null).statusCode()).isEqualTo(200);
    }

    @Test
    void requestsNamingAnotherTenantSpendTheCallersAllowanceNotTheirs() {
        String caller = api.newTenant();
        String victim = api.newTenant();
        String callerToken = api.mint(api.adminToken, caller, "ci", "viewer");
        String victimToken = api.mint(api.adminToken, victim, "ci", "viewer");

        for (int i = 0; i < BURST; i++) {
            assertThat(api.send(callerToken, "GET", "/api/v1/tenants/" + victim, null).statusCode()).isEqualTo(404);
        }

        assertTooMany(api.send(callerToken, "GET", "/api/v1/tenants/" + caller, null), "rate_limited");
        assertThat(api.send(victimToken, "GET", "/api/v1/tenants/" + victim, null).statusCode()).isEqualTo(200);
    }
}

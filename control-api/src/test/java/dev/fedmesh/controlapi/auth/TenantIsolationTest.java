package dev.fedmesh.controlapi.auth;

import dev.fedmesh.controlapi.RunningApi;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import static dev.fedmesh.controlapi.RunningApi.json;
import static org.assertj.core.api.Assertions.assertThat;

/** A token of one tenant learns nothing about another: its every resource looks missing. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TenantIsolationTest {
    private static final String ROUTE = """
            {"kind": "TrafficRoute", "target": {"service": "greeter"},
             "spec": {"split": [{"subset": {"version": "v1"}, "weight": 100}]}}""";
    private RunningApi api;
    private String ours;
    private String theirs;
    private String theirTokenId;
    private final String missing = "t-missing-tenant";

    /** One call a user can make, on any tenant; {@code {tenant}} stands for the tenant's name. */
    private record Call(String method, String path, String body) {
        String on(String tenant) {
            return path.replace("{tenant}", tenant);
        }

        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    @BeforeAll
    void twoTenantsWithResources() {
        api = RunningApi.start(getClass(), Map.of());
        ours = api.newTenant();
        theirs = api.newTenant();
        String theirOwner = api.mint(api.adminToken, theirs, "owner", "owner");
        assertThat(api.send(theirOwner, "POST", "/api/v1/tenants/" + theirs + "/clusters", "{\"name\": \"east\"}").statusCode())
                .isEqualTo(201);
        assertThat(api.send(theirOwner, "PUT", "/api/v1/tenants/" + theirs + "/policies/greeter-split", ROUTE).statusCode())
                .isEqualTo(201);
        assertThat(api.send(theirOwner, "PUT", "/api/v1/tenants/" + theirs + "/services/greeter", "{}").statusCode())
                .isEqualTo(201);
        theirTokenId = json(api.send(theirOwner, "GET", "/api/v1/tenants/" + theirs + "/tokens", null))
                .get("items").get(0).get("id").asText();
    }

    @AfterAll
    void stopService() {
        api.close();
    }

    @Test
    void anotherTenantsResourcesAreAnsweredExactlyAsIfTheyDidNotExist() {
        List<Call> calls = List.of(
                new Call("GET", "/api/v1/tenants/{tenant}", null),
                new Call("GET", "/api/v1/tenants/{tenant}/clusters", null),
                new Call("POST", "/api/v1/tenants/{tenant}/clusters", "{\"name\": \"west\"}"),
                new Call("POST", "/api/v1/tenants/{tenant}/clusters", "{\"name\": \"Not A Name\"}"),
                new Call("POST", "/api/v1/tenants/{tenant}/clusters?dryRun=true", "{\"name\": \"west\"}"),
                new Call("GET", "/api/v1/tenants/{tenant}/clusters/east", null),
                new Call("PUT", "/api/v1/tenants/{tenant}/clusters/east", "{\"name\": \"east\", \"region\": \"eu\"}"),
                new Call("DELETE", "/api/v1/tenants/{tenant}/clusters/east", null),
                new Call("POST", "/api/v1/tenants/{tenant}/clusters/east/bootstrap-credential", null),
                new Call("GET", "/api/v1/tenants/{tenant}/services", null),
                new Call("GET", "/api/v1/tenants/{tenant}/services/greeter", null),
                new Call("PUT", "/api/v1/tenants/{tenant}/services/greeter", "{\"labels\": {\"team\": \"x\"}}"),
                new Call("PUT", "/api/v1/tenants/{tenant}/services/greeter?dryRun=true", "{}"),
                new Call("DELETE", "/api/v1/tenants/{tenant}/services/greeter", null),
                new Call("GET", "/api/v1/tenants/{tenant}/services/greeter/failover-preview?down=east", null),
                new Call("POST", "/api/v1/tenants/{tenant}/trust/root-rotations/1f0c9d2e-4b7a-4c55-9a0e-3d2b8c6f7e10/skips",
                        "{\"clusters\": [\"east\"]}"),
                new Call("GET", "/api/v1/tenants/{tenant}/policies", null),
                new Call("GET", "/api/v1/tenants/{tenant}/policies?kind=TrafficRoute&limit=1", null),
                new Call("GET", "/api/v1/tenants/{tenant}/policies/greeter-split", null),
                new Call("PUT", "/api/v1/tenants/{tenant}/policies/greeter-split", ROUTE),
                new Call("PUT", "/api/v1/tenants/{tenant}/policies/greeter-split", "{\"kind\": "),
                new Call("PUT", "/api/v1/tenants/{tenant}/policies/greeter-split?dryRun=true", ROUTE),
                new Call("DELETE", "/api/v1/tenants/{tenant}/policies/greeter-split", null),
                new Call("GET", "/api/v1/tenants/{tenant}/audit", null),
                new Call("GET", "/api/v1/tenants/{tenant}/audit?kind=ApiToken&limit=1", null),
                new Call("GET", "/api/v1/tenants/{tenant}/tokens", null),
                new Call("POST", "/api/v1/tenants/{tenant}/tokens", "{\"name\": \"mine\", \"role\": \"owner\"}"),
                new Call("GET", "/api/v1/tenants/{tenant}/tokens/" + theirTokenId, null),
                new Call("DELETE", "/api/v1/tenants/{tenant}/tokens/" + theirTokenId, null));
        Map<String, Integer> before = api.rowCounts();
        SoftAssertions softly = new SoftAssertions();

        for (String role : List.of("owner", "viewer")) {
            String token = api.mint(api.adminToken, ours, "our-" + role, role);
            Map<String, Integer> withOurToken = api.rowCounts();
            for (Call call : calls) {
                HttpResponse<String> toTheirs = api.send(token, call.method(), call.on(theirs), call.body());
                HttpResponse<String> toNobody = api.send(token, call.method(), call.on(missing), call.body());

                softly.assertThat(toTheirs.statusCode()).as(role + ": " + call + " " + toTheirs.body()).isEqualTo(404);
                softly.assertThat(json(toTheirs).get("code").asText()).as(role + ": " + call).isEqualTo("not_found");
                softly.assertThat(toTheirs.headers().firstValue("Content-Type"))
                        .as(role + ": " + call).isEqualTo(toNobody.headers().firstValue("Content-Type"));
                softly.assertThat(toTheirs.body().replace(theirs, "{tenant}")).as(role + ": " + call)
                        .isEqualTo(toNobody.body().replace(missing, "{tenant}"));
            }
            softly.assertThat(api.rowCounts()).as("nothing written with our " + role + " token").isEqualTo(withOurToken);
        }
        softly.assertAll();
        assertThat(api.rowCounts().get("clusters")).isEqualTo(before.get("clusters"));
        assertThat(api.rowCounts().get("policies")).isEqualTo(before.get("policies"));
    }
}

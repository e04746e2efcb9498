package dev.fedmesh.controlapi.auth;

import dev.fedmesh.controlapi.RunningApi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.util.Map;

import static dev.fedmesh.controlapi.RunningApi.json;
import static dev.fedmesh.controlapi.auth.TokenLifecycleTest.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RolesTest {
    private static final String ROUTE = """
            {"kind": "TrafficRoute", "target": {"service": "%s"},
             "spec": {"split": [{"subset": {"version": "v1"}, "weight": 100}]}}""";
    private RunningApi api;
    private String tenant;
    private String owner;

    @BeforeAll
    void startService() {
        api = RunningApi.start(getClass(), Map.of());
    }

    @AfterAll
    void stopService() {
        api.close();
    }

    @BeforeEach
    void newTenantWithAnOwner() {
        tenant = api.newTenant();
        owner = api.mint(api.adminToken, tenant, "first-owner", "owner");
        assertThat(api.send(owner, "POST", path("/clusters"), "{\"name\": \"east\"}").statusCode()).isEqualTo(201);
        assertThat(api.send(owner, "PUT", path("/policies/greeter-split"), ROUTE.formatted("greeter")).statusCode())
                .isEqualTo(201);
    }

    @Test
    void viewerReadsEverythingButCannotChangeAPolicyOrACluster() {
        String viewer = api.mint(owner, tenant, "dashboard", "viewer");
        Map<String, Integer> before = api.rowCounts();

        assertThat(api.send(viewer, "GET", path(""), null).statusCode()).isEqualTo(200);
        assertThat(api.send(viewer, "GET", path("/clusters"), null).statusCode()).isEqualTo(200);
        assertThat(api.send(viewer, "GET", path("/clusters/east"), null).statusCode()).isEqualTo(200);
        assertThat(api.send(viewer, "GET", path("/policies"), null).statusCode()).isEqualTo(200);
        assertThat(api.send(viewer, "GET", path("/policies/greeter-split"), null).statusCode()).isEqualTo(200);
        HttpResponse<String> put = api.send(viewer, "PUT", path("/policies/other"), ROUTE.formatted("other"));
        assertRefused(put, 403, "forbidden");
        assertThat(json(put).get("message").asText()).contains("viewer").contains("change resources");
        assertRefused(api.send(viewer, "DELETE", path("/policies/greeter-split"), null), 403, "forbidden");
        assertRefused(api.send(viewer, "POST", path("/clusters"), "{\"name\": \"west\"}"), 403, "forbidden");
        assertRefused(api.send(viewer, "GET", path("/tokens"), null), 403, "forbidden");
        assertThat(api.rowCounts()).isEqualTo(before);
    }

    @Test
    void editorChangesResourcesButCannotManageTokens() {
        String editor = api.mint(owner, tenant, "ci", "editor");

        assertThat(api.send(editor, "POST", path("/clusters"), "{\"name\": \"west\"}").statusCode()).isEqualTo(201);
        assertThat(api.send(editor, "PUT", path("/policies/other"), ROUTE.formatted("other")).statusCode()).isEqualTo(201);
        assertThat(api.send(editor, "DELETE", path("/policies/other"), null).statusCode()).isEqualTo(204);
        Map<String, Integer> before = api.rowCounts();
        HttpResponse<String> mint = api.send(editor, "POST", path("/tokens"), "{\"name\": \"more\", \"role\": \"viewer\"}");
        assertRefused(mint, 403, "forbidden");
        assertThat(json(mint).get("message").asText()).contains("editor").contains("manage API tokens");
        assertRefused(api.send(editor, "GET", path("/tokens"), null), 403, "forbidden");
        assertRefused(api.send(editor, "DELETE", path("/tokens/" + idOf("ci")), null), 403, "forbidden");
        assertThat(api.rowCounts()).isEqualTo(before);
    }

    @Test
    void adminManagesTokensButCannotMintOrRevokeAnOwnerToken() {
        String admin = api.mint(owner, tenant, "platform", "admin");
        String editor = api.mint(admin, tenant, "ci", "editor");
        Map<String, Integer> before = api.rowCounts();

        HttpResponse<String> mintOwner = api.send(admin, "POST", path("/tokens"), "{\"name\": \"boss\", \"role\": \"owner\"}");
        HttpResponse<String> revokeOwner = api.send(admin, "DELETE", path("/tokens/" + idOf("first-owner")), null);

        assertRefused(mintOwner, 403, "forbidden");
        assertThat(json(mintOwner).get("message").asText()).contains("admin").contains("owner tokens");
        assertRefused(revokeOwner, 403, "forbidden");
        assertThat(api.rowCounts()).isEqualTo(before);
        assertThat(api.send(owner, "GET", path(""), null).statusCode()).isEqualTo(200);
        assertThat(api.send(admin, "DELETE", path("/tokens/" + idOf("ci")), null).statusCode()).isEqualTo(204);
        assertRefused(api.send(editor, "GET", path(""), null), 401, "unauthenticated");
    }

    @Test
    void ownerMintsAndRevokesOwnerTokens() {
        String second = api.mint(owner, tenant, "second-owner", "owner");

        assertThat(api.send(second, "DELETE", path("/tokens/" + idOf("first-owner")), null).statusCode()).isEqualTo(204);
        assertRefused(api.send(owner, "GET", path(""), null), 401, "unauthenticated");
    }

    @Test
    void onlyTheOperatorCreatesTenants() {
        assertRefused(api.send(owner, "POST", "/api/v1/tenants", "{\"name\": \"mine\"}"), 403, "forbidden");
    }

    private String idOf(String name) {
        for (var token : json(api.send(owner, "GET", path("/tokens"), null)).get("items")) {
            if (token.get("name").asText().equals(name)) {
                return token.get("id").asText();
            }
        }
        throw new AssertionError("no token named " + name);
    }

    private String path(String rest) {
        return "/api/v1/tenants/" + tenant + rest;
    }
}

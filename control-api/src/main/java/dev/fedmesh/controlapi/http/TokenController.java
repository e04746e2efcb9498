package dev.fedmesh.controlapi.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fedmesh.controlapi.auth.Access;
import dev.fedmesh.controlapi.auth.Permission;
import dev.fedmesh.controlapi.auth.Principal;
import dev.fedmesh.controlapi.store.Tenant;
import dev.fedmesh.controlapi.store.TenantStore;
import dev.fedmesh.controlapi.store.Token;
import dev.fedmesh.controlapi.store.TokenJson;
import dev.fedmesh.controlapi.store.TokenRequest;
import dev.fedmesh.controlapi.store.TokenStore;
import io.micronaut.context.annotation.Value;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * A tenant's API tokens: {@code /api/v1/tenants/{tenant}/tokens}. The secret is in the answer
 * to the request that mints a token and nowhere else, ever.
 */
@Controller("/api/v1/tenants/{tenant}/tokens")
@ExecuteOn(TaskExecutors.BLOCKING)
public class TokenController {
    private final TenantStore tenants;
    private final TokenStore tokens;
    private final Duration maxTtl;

    public TokenController(TenantStore tenants, TokenStore tokens,
                           @Value("${fedmesh.api.tokens.max-ttl:365d}") Duration maxTtl) {
        this.tenants = tenants;
        this.tokens = tokens;
        this.maxTtl = maxTtl;
    }

    /** Mints a token: 201 with its secret in {@code token}, shown this once. */
    @Post
    @Consumes(MediaType.APPLICATION_JSON)
    public HttpResponse<String> mint(Principal principal, String tenant, @Body String body) {
        Access.require(principal, tenant, Permission.MANAGE_TOKENS);
        TokenRequest request = TokenJson.read(body, maxTtl, OffsetDateTime.now(ZoneOffset.UTC));
        Access.requireMayGrant(principal, tenant, request.role());
        TokenStore.Minted minted = tokens.mint(tenant, request, principal.subject());
        ObjectNode json = TokenJson.write(minted.token());
        json.put("token", minted.secret());
        return JsonResponses.json(HttpStatus.CREATED, json)
                .header(HttpHeaders.CACHE_CONTROL, "no-store")
                .header(HttpHeaders.LOCATION, "/api/v1/tenants/" + tenant + "/tokens/" + minted.token().id());
    }

    @Get
    public HttpResponse<String> list(Principal principal, String tenant) {
        Access.require(principal, tenant, Permission.MANAGE_TOKENS);
        Tenant owner = tenants.require(tenant);
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        ArrayNode items = json.putArray("items");
        tokens.list(owner.id(), owner.name()).forEach(token -> items.add(TokenJson.write(token)));
        return JsonResponses.ok(json);
    }

    @Get("/{id}")
    public HttpResponse<String> get(Principal principal, String tenant, String id) {
        Access.require(principal, tenant, Permission.MANAGE_TOKENS);
        Tenant owner = tenants.require(tenant);
        Token token = tokens.find(owner.id(), owner.name(), id)
                .orElseThrow(() -> ApiException.notFound("Token '" + id + "'"));
        return JsonResponses.ok(TokenJson.write(token));
    }

    /** Revokes a token: 204, and from this moment every request carrying it is refused. */
    @Delete("/{id}")
    public HttpResponse<Void> revoke(Principal principal, String tenant, String id) {
        Access.require(principal, tenant, Permission.MANAGE_TOKENS);
        tokens.revoke(tenant, id, principal.subject(), token -> Access.requireMayGrant(principal, tenant, token.role()));
        return HttpResponse.noContent();
    }
}

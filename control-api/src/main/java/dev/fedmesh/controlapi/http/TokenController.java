package dev.fedmesh.controlapi.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fedmesh.controlapi.auth.Access;
import dev.fedmesh.controlapi.auth.Permission;
import dev.fedmesh.controlapi.auth.Principal;
import dev.fedmesh.controlapi.http.openapi.Schemas;
import dev.fedmesh.controlapi.store.Page;
import dev.fedmesh.controlapi.store.Tenant;
import dev.fedmesh.controlapi.store.TenantStore;
import dev.fedmesh.controlapi.store.Token;
import dev.fedmesh.controlapi.store.TokenJson;
import dev.fedmesh.controlapi.store.TokenRequest;
import dev.fedmesh.controlapi.store.TokenStore;
import io.micronaut.context.annotation.Value;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.parameters.RequestBody;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.micronaut.core.annotation.Nullable;
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
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

/**
 * A tenant's API tokens: {@code /api/v1/tenants/{tenant}/tokens}. The secret is in the answer
 * to the request that mints a token and nowhere else, ever.
 */
@Tag(name = "Tokens")
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
    @Operation(operationId = "mintToken", summary = "Mints an API token; the answer carries its secret, shown this once. "
            + "Needs an owner or admin token; only an owner mints owner tokens.")
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = MintRequest.class)))
    @ApiResponse(responseCode = "200", description = "dryRun=true: what each cluster would get; nothing was written",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Schemas.DryRun.class)))
    @ApiResponse(responseCode = "201", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = TokenShape.class)))
    @ProblemResponses
    public HttpResponse<String> mint(Principal principal, String tenant, @Body String body,
                                     @Nullable @QueryValue Boolean dryRun) {
        Access.require(principal, tenant, Permission.MANAGE_TOKENS);
        TokenRequest request = TokenJson.read(body, maxTtl, OffsetDateTime.now(ZoneOffset.UTC));
        Access.requireMayGrant(principal, tenant, request.role());
        return TenantWrites.perform(tenants, tenant, principal, dryRun, change -> tokens.mint(change, request),
                minted -> TokenJson.write(minted.token()), minted -> answerMinted(tenant, minted));
    }

    /** 201 with the secret, shown this once and never cached. */
    private static HttpResponse<String> answerMinted(String tenant, TokenStore.Minted minted) {
        ObjectNode json = TokenJson.write(minted.token());
        json.put("token", minted.secret());
        return JsonResponses.json(HttpStatus.CREATED, json)
                .header(HttpHeaders.CACHE_CONTROL, "no-store")
                .header(HttpHeaders.LOCATION, "/api/v1/tenants/" + tenant + "/tokens/" + minted.token().id());
    }

    @Get
    @Operation(operationId = "listTokens", summary = "Lists the tenant's tokens, revoked and expired ones included; "
            + "never a secret.")
    @ApiResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = TokenList.class)))
    @ProblemResponses
    public HttpResponse<String> list(Principal principal, String tenant, @Nullable @QueryValue Integer limit,
                                     @Nullable @QueryValue String pageToken) {
        Access.require(principal, tenant, Permission.MANAGE_TOKENS);
        Page page = Page.of(limit, pageToken);
        Tenant owner = tenants.require(tenant);
        return JsonResponses.page(tokens.list(owner.id(), owner.name(), page), TokenJson::write);
    }

    @Get("/{id}")
    @Operation(operationId = "getToken", summary = "One token, never its secret.")
    @ApiResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = TokenShape.class)))
    @ProblemResponses
    public HttpResponse<String> get(Principal principal, String tenant, String id) {
        Access.require(principal, tenant, Permission.MANAGE_TOKENS);
        Tenant owner = tenants.require(tenant);
        Token token = tokens.find(owner.id(), owner.name(), id)
                .orElseThrow(() -> ApiException.notFound("Token '" + id + "'"));
        return JsonResponses.ok(TokenJson.write(token));
    }

    /** Revokes a token: 204, and from this moment every request carrying it is refused. */
    @Delete("/{id}")
    @Operation(operationId = "revokeToken", summary = "Revokes a token at once; only an owner revokes owner tokens.")
    @ApiResponse(responseCode = "204", description = "revoked (or already so)")
    @ApiResponse(responseCode = "200", description = "dryRun=true: what each cluster would get; nothing was written",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Schemas.DryRun.class)))
    @ProblemResponses
    public HttpResponse<String> revoke(Principal principal, String tenant, String id, @Nullable @QueryValue Boolean dryRun) {
        Access.require(principal, tenant, Permission.MANAGE_TOKENS);
        return TenantWrites.delete(tenants, tenant, principal, dryRun, change -> tokens.revoke(change, id,
                token -> Access.requireMayGrant(principal, tenant, token.role())));
    }

    /** The mint request's shape, for the OpenAPI document. */
    @Schema(name = "TokenMintRequest", requiredProperties = {"name", "role"}, description = "give expiresIn or expiresAt, or neither for the longest lifetime allowed")
    record MintRequest(
            @Schema(example = "ci", description = "a DNS label: 1-63 lowercase letters, digits and '-'") String name,
            @Schema(allowableValues = {"owner", "admin", "editor", "viewer"}) String role,
            @Schema(example = "30d", description = "a whole number and m, h or d") String expiresIn,
            @Schema(example = "2027-01-31T00:00:00Z", description = "RFC 3339") String expiresAt) {
    }

    /** A token's shape, for the OpenAPI document. */
    @Schema(name = "Token", requiredProperties = {"id", "name", "role", "createdBy", "createdAt"})
    record TokenShape(
            @Schema(accessMode = Schema.AccessMode.READ_ONLY) String id,
            @Schema(example = "ci") String name,
            @Schema(allowableValues = {"owner", "admin", "editor", "viewer"}) String role,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY) String createdBy,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY) String createdAt,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY, description = "absent: never") String expiresAt,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY, description = "absent while not revoked") String revokedAt,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY, description = "to the minute; absent while never used") String lastUsedAt,
            @Schema(accessMode = Schema.AccessMode.READ_ONLY, description = "the secret: in the mint answer only, never again")
            String token) {
    }

    /** The token list's shape, for the OpenAPI document. */
    @Schema(name = "TokenList", requiredProperties = "items")
    record TokenList(List<TokenShape> items, @Schema(description = "absent on the last page") String nextPageToken) {
    }
}

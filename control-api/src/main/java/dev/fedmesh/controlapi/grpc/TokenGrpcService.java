package dev.fedmesh.controlapi.grpc;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fedmesh.api.v1.ApiToken;
import dev.fedmesh.api.v1.CreateTokenRequest;
import dev.fedmesh.api.v1.GetTokenRequest;
import dev.fedmesh.api.v1.ListTokensRequest;
import dev.fedmesh.api.v1.ListTokensResponse;
import dev.fedmesh.api.v1.RevokeTokenRequest;
import dev.fedmesh.api.v1.RevokeTokenResponse;
import dev.fedmesh.api.v1.TokenServiceGrpc;
import dev.fedmesh.controlapi.auth.Access;
import dev.fedmesh.controlapi.auth.Permission;
import dev.fedmesh.controlapi.auth.Principal;
import dev.fedmesh.controlapi.http.ApiException;
import dev.fedmesh.controlapi.store.Tenant;
import dev.fedmesh.controlapi.store.TenantStore;
import dev.fedmesh.controlapi.store.TokenJson;
import dev.fedmesh.controlapi.store.TokenRequest;
import dev.fedmesh.controlapi.store.Page;
import dev.fedmesh.controlapi.store.Token;
import dev.fedmesh.controlapi.store.TokenStore;
import dev.fedmesh.policy.document.PolicyJson;
import io.grpc.stub.StreamObserver;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/** fedmesh.v1.TokenService: the REST {@code /api/v1/tenants/{tenant}/tokens} calls over gRPC. */
@Singleton
final class TokenGrpcService extends TokenServiceGrpc.TokenServiceImplBase {
    private final TenantStore tenants;
    private final TokenStore tokens;
    private final Duration maxTtl;

    TokenGrpcService(TenantStore tenants, TokenStore tokens, @Value("${fedmesh.api.tokens.max-ttl:365d}") Duration maxTtl) {
        this.tenants = tenants;
        this.tokens = tokens;
        this.maxTtl = maxTtl;
    }

    @Override
    public void createToken(CreateTokenRequest request, StreamObserver<ApiToken> observer) {
        UnaryCalls.answer("CreateToken", observer, () -> {
            Principal principal = BearerTokenInterceptor.principal();
            Access.require(principal, request.getTenant(), Permission.MANAGE_TOKENS);
            TokenRequest mint = TokenJson.read(PolicyJson.toText(json(request)), maxTtl, OffsetDateTime.now(ZoneOffset.UTC));
            Access.requireMayGrant(principal, request.getTenant(), mint.role());
            TokenStore.Minted minted = tenants.change(request.getTenant(), principal.subject(),
                    change -> tokens.mint(change, mint));
            return WireResources.token(minted.token()).toBuilder().setToken(minted.secret()).build();
        });
    }

    @Override
    public void listTokens(ListTokensRequest request, StreamObserver<ListTokensResponse> observer) {
        UnaryCalls.answer("ListTokens", observer, () -> {
            Access.require(BearerTokenInterceptor.principal(), request.getTenant(), Permission.MANAGE_TOKENS);
            Tenant owner = tenants.require(request.getTenant());
            Page.Result<Token> page = tokens.list(owner.id(), owner.name(), ListFilters.page(request.getLimit(),
                    request.getPageToken()));
            ListTokensResponse.Builder response = ListTokensResponse.newBuilder();
            page.items().forEach(token -> response.addItems(WireResources.token(token)));
            if (page.nextPageToken() != null) {
                response.setNextPageToken(page.nextPageToken());
            }
            return response.build();
        });
    }

    @Override
    public void getToken(GetTokenRequest request, StreamObserver<ApiToken> observer) {
        UnaryCalls.answer("GetToken", observer, () -> {
            Access.require(BearerTokenInterceptor.principal(), request.getTenant(), Permission.MANAGE_TOKENS);
            Tenant owner = tenants.require(request.getTenant());
            return WireResources.token(tokens.find(owner.id(), owner.name(), request.getId())
                    .orElseThrow(() -> ApiException.notFound("Token '" + request.getId() + "'")));
        });
    }

    @Override
    public void revokeToken(RevokeTokenRequest request, StreamObserver<RevokeTokenResponse> observer) {
        UnaryCalls.answer("RevokeToken", observer, () -> {
            Principal principal = BearerTokenInterceptor.principal();
            Access.require(principal, request.getTenant(), Permission.MANAGE_TOKENS);
            tenants.change(request.getTenant(), principal.subject(), change -> tokens.revoke(change, request.getId(),
                    token -> Access.requireMayGrant(principal, request.getTenant(), token.role())));
            return RevokeTokenResponse.getDefaultInstance();
        });
    }

    /** The mint request as the REST body would carry it; unset fields are left out. */
    private static ObjectNode json(CreateTokenRequest request) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        putIfSet(json, "name", request.getName());
        putIfSet(json, "role", request.getRole());
        putIfSet(json, "expiresIn", request.getExpiresIn());
        putIfSet(json, "expiresAt", request.getExpiresAt());
        return json;
    }

    private static void putIfSet(ObjectNode json, String field, String value) {
        if (!value.isEmpty()) {
            json.put(field, value);
        }
    }
}

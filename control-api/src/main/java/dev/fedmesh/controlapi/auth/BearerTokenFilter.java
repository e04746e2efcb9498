package dev.fedmesh.controlapi.auth;

import dev.fedmesh.controlapi.http.ApiException;
import dev.fedmesh.controlapi.http.Problems;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;

import java.util.List;

/** Refuses every API request that does not carry a valid bearer token. */
@ServerFilter("/api/**")
public final class BearerTokenFilter {
    private static final String PREFIX = "Bearer ";
    private final AdminToken adminToken;

    public BearerTokenFilter(AdminToken adminToken) {
        this.adminToken = adminToken;
    }

    /** Returns the refusal, or null to let the request through. */
    @RequestFilter
    @Nullable
    public HttpResponse<?> authenticate(HttpRequest<?> request) {
        String header = request.getHeaders().get(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
            return refuse("Send the header 'Authorization: Bearer <token>'");
        }
        if (!adminToken.matches(header.substring(PREFIX.length()).trim())) {
            return refuse("The bearer token is not valid; check it was copied whole, or ask for a new one");
        }
        return null;
    }

    private static HttpResponse<?> refuse(String message) {
        return Problems.response(new ApiException(HttpStatus.UNAUTHORIZED, "unauthenticated", message, List.of()))
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"fedmesh\"");
    }
}

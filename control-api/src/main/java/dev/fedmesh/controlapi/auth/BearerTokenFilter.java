package dev.fedmesh.controlapi.auth;

import dev.fedmesh.controlapi.http.ApiException;
import dev.fedmesh.controlapi.http.Problems;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.annotation.Order;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;

import java.util.List;
import java.util.Optional;

/**
 * Refuses every API request that does not carry a valid bearer token, and names its principal.
 * Runs on the blocking executor, never on the HTTP event loop: a tenant token is looked up in
 * PostgreSQL, and a lookup waiting for a dead database on the event loop held up every request
 * sharing that loop, the OpenAPI document included.
 */
@ServerFilter("/api/**")
@Order(BearerTokenFilter.ORDER)
public final class BearerTokenFilter {
    /** Where this filter runs among the server's filters; later ones may rely on the principal. */
    public static final int ORDER = 0;
    /** The request attribute that holds the authenticated {@link Principal}. */
    public static final String PRINCIPAL = "fedmesh.principal";
    private static final String PREFIX = "Bearer ";
    private final Authenticator authenticator;

    public BearerTokenFilter(Authenticator authenticator) {
        this.authenticator = authenticator;
    }

    /** Returns the refusal, or null to let the request through. */
    @RequestFilter
    @ExecuteOn(TaskExecutors.BLOCKING)
    @Nullable
    public HttpResponse<?> authenticate(HttpRequest<?> request) {
        String header = request.getHeaders().get(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
            return refuse("Send the header 'Authorization: Bearer <token>'");
        }
        Optional<Principal> principal = authenticator.authenticate(header.substring(PREFIX.length()).trim());
        if (principal.isEmpty()) {
            return refuse("The bearer token is not valid (unknown, expired or revoked); check it was copied whole, "
                    + "or ask for a new one");
        }
        request.setAttribute(PRINCIPAL, principal.get());
        return null;
    }

    private static HttpResponse<?> refuse(String message) {
        return Problems.response(new ApiException(HttpStatus.UNAUTHORIZED, "unauthenticated", message, List.of()))
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"fedmesh\"");
    }
}

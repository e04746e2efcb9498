package dev.fedmesh.controlapi.limits;

import dev.fedmesh.controlapi.auth.BearerTokenFilter;
import dev.fedmesh.controlapi.auth.Principal;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.annotation.Order;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;

import java.util.Optional;

/** Refuses a REST request over its tenant's rate limit with 429 {@code rate_limited} and Retry-After. */
@ServerFilter("/api/**")
@Order(BearerTokenFilter.ORDER + 1)
public final class RateLimitFilter {
    private final RequestRateLimiter limiter;

    public RateLimitFilter(RequestRateLimiter limiter) {
        this.limiter = limiter;
    }

    /** Returns the refusal, or null to let the request through. */
    @RequestFilter
    @Nullable
    public HttpResponse<?> limit(HttpRequest<?> request) {
        Optional<Principal> principal = request.getAttribute(BearerTokenFilter.PRINCIPAL, Principal.class);
        if (principal.isEmpty()) {
            return null;
        }
        try {
            limiter.admit(principal.get());
            return null;
        } catch (TooManyRequests refused) {
            return refused.response();
        }
    }
}

package dev.fedmesh.controlapi.limits;

import dev.fedmesh.controlapi.auth.BearerTokenFilter;
import dev.fedmesh.controlapi.auth.Principal;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.annotation.Order;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Limits each tenant's request rate on this instance: a token bucket per tenant
 * ({@code fedmesh.api.rate-limit.*}); over it, 429 {@code rate_limited} with Retry-After.
 * A tenant token's requests count against its own tenant whatever path they name, so that no
 * one can spend another tenant's allowance. The operator's admin token is not limited: a
 * tenant's flood must never lock the operator out of that tenant.
 */
@ServerFilter("/api/**")
@Order(BearerTokenFilter.ORDER + 1)
public final class RateLimitFilter {
    private final double perSecond;
    private final int burst;
    private final Map<String, RequestBucket> buckets = new ConcurrentHashMap<>();

    public RateLimitFilter(@Value("${fedmesh.api.rate-limit.requests-per-second:50}") double perSecond,
                           @Value("${fedmesh.api.rate-limit.burst:100}") int burst) {
        if (!(perSecond > 0)) {
            throw new ConfigurationException("fedmesh.api.rate-limit.requests-per-second must be above 0, not " + perSecond);
        }
        if (burst < 1) {
            throw new ConfigurationException("fedmesh.api.rate-limit.burst must be at least 1, not " + burst);
        }
        this.perSecond = perSecond;
        this.burst = burst;
    }

    /** Returns the refusal, or null to let the request through. */
    @RequestFilter
    @Nullable
    public HttpResponse<?> limit(HttpRequest<?> request) {
        String tenant = request.getAttribute(BearerTokenFilter.PRINCIPAL, Principal.class)
                .map(Principal::tenant)
                .orElse(null);
        if (tenant == null) {
            return null;
        }
        long waitNanos = buckets.computeIfAbsent(tenant, name -> new RequestBucket(perSecond, burst, System::nanoTime)).take();
        if (waitNanos == 0) {
            return null;
        }
        long retryAfter = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(waitNanos + TimeUnit.SECONDS.toNanos(1) - 1));
        return new TooManyRequests("rate_limited", "Tenant '" + tenant + "' is sending more than " + format(perSecond)
                + " requests per second (bursts up to " + burst + "); retry after " + retryAfter
                + " s, and spread requests out or batch them", retryAfter).response();
    }

    private static String format(double number) {
        return number == Math.rint(number) ? String.valueOf((long) number) : String.valueOf(number);
    }
}

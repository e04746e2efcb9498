package dev.fedmesh.controlapi.limits;

import dev.fedmesh.controlapi.auth.Principal;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.exceptions.ConfigurationException;
import jakarta.inject.Singleton;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Each tenant's request rate on this instance: a token bucket per tenant
 * ({@code fedmesh.api.rate-limit.*}), shared by every way into the API. A tenant token's
 * requests count against its own tenant whatever they name, so that no one can spend another
 * tenant's allowance. The operator's admin token is not limited: a tenant's flood must never
 * lock the operator out of that tenant.
 */
@Singleton
public final class RequestRateLimiter {
    private final double perSecond;
    private final int burst;
    private final Map<String, RequestBucket> buckets = new ConcurrentHashMap<>();

    public RequestRateLimiter(@Value("${fedmesh.api.rate-limit.requests-per-second:50}") double perSecond,
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

    /** Counts one request of {@code principal}; throws {@link TooManyRequests} when its tenant is over the limit. */
    public void admit(Principal principal) {
        if (principal.isOperator()) {
            return;
        }
        String tenant = principal.tenant();
        long waitNanos = buckets.computeIfAbsent(tenant, name -> new RequestBucket(perSecond, burst, System::nanoTime)).take();
        if (waitNanos == 0) {
            return;
        }
        long retryAfter = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(waitNanos + TimeUnit.SECONDS.toNanos(1) - 1));
        throw new TooManyRequests("rate_limited", "Tenant '" + tenant + "' is sending more than " + format(perSecond)
                + " requests per second (bursts up to " + burst + "); retry after " + retryAfter
                + " s, and spread requests out or batch them", retryAfter);
    }

    private static String format(double number) {
        return number == Math.rint(number) ? String.valueOf((long) number) : String.valueOf(number);
    }
}

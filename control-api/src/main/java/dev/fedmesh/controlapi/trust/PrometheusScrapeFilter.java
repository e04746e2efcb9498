package dev.fedmesh.controlapi.trust;

import dev.fedmesh.controlapi.auth.Authenticator;
import dev.fedmesh.controlapi.auth.Principal;
import dev.fedmesh.controlapi.http.ApiException;
import dev.fedmesh.controlapi.http.Problems;
import io.micronaut.core.annotation.Nullable;
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
 * Lets only the operator's admin token read {@code /prometheus} (its labels name every tenant and
 * cluster), and brings the trust gauges up to date from the database just before each scrape. The
 * scrape is served whatever the database does: {@link TrustGauges#refresh()} waits for it only
 * briefly and keeps the last values when it does not answer. Runs on the blocking executor, as
 * a tenant token presented here is looked up in the database.
 */
@ServerFilter({"/prometheus", "/prometheus/**"})
public final class PrometheusScrapeFilter {
    private static final String PREFIX = "Bearer ";
    private final Authenticator authenticator;
    private final TrustGauges gauges;

    PrometheusScrapeFilter(Authenticator authenticator, TrustGauges gauges) {
        this.authenticator = authenticator;
        this.gauges = gauges;
    }

    /** Returns the refusal, or null to let the scrape through with the freshest gauges the database gave. */
    @RequestFilter
    @ExecuteOn(TaskExecutors.BLOCKING)
    @Nullable
    public HttpResponse<?> scrape(HttpRequest<?> request) {
        String header = request.getHeaders().get(HttpHeaders.AUTHORIZATION);
        Optional<Principal> principal = header != null && header.regionMatches(true, 0, PREFIX, 0, PREFIX.length())
                ? authenticator.authenticate(header.substring(PREFIX.length()).trim()) : Optional.empty();
        if (principal.isEmpty()) {
            return Problems.response(new ApiException(HttpStatus.UNAUTHORIZED, "unauthenticated",
                            "Metrics are read with the operator's admin token: send 'Authorization: Bearer <token>'", List.of()))
                    .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"fedmesh\"");
        }
        if (!principal.get().isOperator()) {
            return Problems.response(new ApiException(HttpStatus.FORBIDDEN, "forbidden",
                    "Only the operator's admin token can read metrics: they name every tenant", List.of()));
        }
        gauges.refresh();
        return null;
    }
}

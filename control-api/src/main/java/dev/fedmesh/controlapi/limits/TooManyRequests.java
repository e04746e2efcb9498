package dev.fedmesh.controlapi.limits;

import dev.fedmesh.controlapi.http.Problems;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;

import java.util.List;

/**
 * A request refused because a tenant is over a limit: answered 429 with a stable code and a
 * {@code Retry-After} in whole seconds. Thrown inside a transaction, it rolls the change back.
 */
public final class TooManyRequests extends RuntimeException {
    private final String code;
    private final long retryAfterSeconds;

    public TooManyRequests(String code, String message, long retryAfterSeconds) {
        super(message);
        this.code = code;
        this.retryAfterSeconds = Math.max(1, retryAfterSeconds);
    }

    public String code() {
        return code;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** The problem+json answer, with its Retry-After header. */
    public MutableHttpResponse<String> response() {
        return HttpResponse.<String>status(HttpStatus.TOO_MANY_REQUESTS)
                .contentType(Problems.CONTENT_TYPE)
                .header(HttpHeaders.RETRY_AFTER, String.valueOf(retryAfterSeconds))
                .body(Problems.body(HttpStatus.TOO_MANY_REQUESTS, code, getMessage(), List.of()));
    }
}

package dev.fedmesh.controlapi.limits;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;

/** Answers a request refused for a tenant's limits with 429 and Retry-After. */
@Produces
@Singleton
public final class TooManyRequestsHandler implements ExceptionHandler<TooManyRequests, HttpResponse<String>> {
    @Override
    public HttpResponse<String> handle(HttpRequest request, TooManyRequests exception) {
        return exception.response();
    }
}

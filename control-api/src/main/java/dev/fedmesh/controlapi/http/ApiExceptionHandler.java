package dev.fedmesh.controlapi.http;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;

/** Turns a refused request into its problem+json answer. */
@Produces
@Singleton
public final class ApiExceptionHandler implements ExceptionHandler<ApiException, HttpResponse<String>> {
    @Override
    public HttpResponse<String> handle(HttpRequest request, ApiException exception) {
        return Problems.response(exception);
    }
}

package dev.fedmesh.controlapi.http;

import dev.fedmesh.policy.document.InvalidDocumentException;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;

/** A document the policy core refused becomes a 400 naming every offending field. */
@Produces
@Singleton
public final class InvalidDocumentHandler implements ExceptionHandler<InvalidDocumentException, HttpResponse<String>> {
    @Override
    public HttpResponse<String> handle(HttpRequest request, InvalidDocumentException exception) {
        return Problems.response(ApiException.invalid(exception.violations()));
    }
}

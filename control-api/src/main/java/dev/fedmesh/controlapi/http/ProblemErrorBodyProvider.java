package dev.fedmesh.controlapi.http;

import io.micronaut.context.annotation.Replaces;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.server.exceptions.response.Error;
import io.micronaut.http.server.exceptions.response.ErrorContext;
import io.micronaut.http.server.exceptions.response.JsonErrorResponseBodyProvider;
import dev.fedmesh.policy.document.Violation;
import jakarta.inject.Singleton;

import java.util.List;

/**
 * Gives the errors Micronaut raises itself (unknown route, wrong method or media type, body too
 * large) the same problem+json shape as ours. Internal errors never echo their cause.
 */
@Singleton
@Replaces(JsonErrorResponseBodyProvider.class)
public final class ProblemErrorBodyProvider implements JsonErrorResponseBodyProvider<String> {

    @Override
    public String body(ErrorContext context, HttpResponse<?> response) {
        HttpStatus status = response.getStatus();
        String code = switch (status) {
            case NOT_FOUND -> "not_found";
            case METHOD_NOT_ALLOWED -> "method_not_allowed";
            case UNSUPPORTED_MEDIA_TYPE -> "unsupported_media_type";
            case REQUEST_ENTITY_TOO_LARGE -> "body_too_large";
            case UNAUTHORIZED -> "unauthenticated";
            case BAD_REQUEST -> "invalid_request";
            default -> status.getCode() >= 500 ? "internal_error" : "request_refused";
        };
        String message = switch (status) {
            case NOT_FOUND -> "No resource at " + context.getRequest().getPath();
            case METHOD_NOT_ALLOWED -> context.getRequest().getMethodName() + " is not allowed on " + context.getRequest().getPath();
            case UNSUPPORTED_MEDIA_TYPE -> "Send the body as application/json";
            case REQUEST_ENTITY_TOO_LARGE -> "The body is larger than this server accepts; send a smaller document";
            default -> status.getCode() >= 500
                    ? "The server failed to handle the request; it has been logged, retry later"
                    : firstMessage(context, status);
        };
        List<Violation> details = status.getCode() >= 500 ? List.of() : context.getErrors().stream()
                .filter(error -> error.getPath().isPresent())
                .map(error -> new Violation(error.getPath().get(), error.getMessage()))
                .toList();
        return Problems.body(status, code, message, details);
    }

    @Override
    public String contentType() {
        return Problems.CONTENT_TYPE;
    }

    private static String firstMessage(ErrorContext context, HttpStatus status) {
        return context.getErrors().stream().map(Error::getMessage).findFirst().orElse(status.getReason());
    }
}

package dev.fedmesh.controlapi.http;

import dev.fedmesh.policy.document.Violation;
import io.micronaut.http.HttpStatus;

import java.util.List;

/** A request the API refuses, with the status, a stable code, and the offending fields. */
public final class ApiException extends RuntimeException {
    private final HttpStatus status;
    private final String code;
    private final List<Violation> details;

    public ApiException(HttpStatus status, String code, String message, List<Violation> details) {
        super(message);
        this.status = status;
        this.code = code;
        this.details = List.copyOf(details);
    }

    public static ApiException notFound(String what) {
        return new ApiException(HttpStatus.NOT_FOUND, "not_found", what + " does not exist", List.of());
    }

    public static ApiException invalid(List<Violation> details) {
        String message = details.size() == 1
                ? "The request is invalid: " + describe(details.get(0))
                : "The request is invalid in " + details.size() + " places; see details";
        return new ApiException(HttpStatus.BAD_REQUEST, "invalid_request", message, details);
    }

    public static ApiException conflict(String code, String message) {
        return new ApiException(HttpStatus.CONFLICT, code, message, List.of());
    }

    private static String describe(Violation violation) {
        return violation.field().isEmpty() ? violation.problem() : violation.field() + " " + violation.problem();
    }

    public HttpStatus status() {
        return status;
    }

    public String code() {
        return code;
    }

    public List<Violation> details() {
        return details;
    }
}

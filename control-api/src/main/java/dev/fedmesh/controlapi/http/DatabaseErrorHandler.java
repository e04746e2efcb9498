package dev.fedmesh.controlapi.http;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;
import java.util.List;
import dev.fedmesh.db.DatabaseErrors;
import org.jooq.exception.DataAccessException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers a request the database could not serve: 503 with Retry-After when PostgreSQL does not
 * answer (no connection within the pool's timeout, or a connection lost), so a client knows that
 * nothing was changed and that retrying is right; any other database error is a 500. Neither
 * names SQL, the database's address or a credential.
 */
@Produces
@Singleton
public final class DatabaseErrorHandler implements ExceptionHandler<DataAccessException, HttpResponse<String>> {
    private static final Logger LOG = LoggerFactory.getLogger(DatabaseErrorHandler.class);
    /** How long a client is told to wait before retrying a request the database could not serve. */
    public static final int RETRY_AFTER_SECONDS = 5;
    /** What a client is told when the database does not answer, over REST and gRPC alike. */
    public static final String UNAVAILABLE_MESSAGE = "The database does not answer; nothing was changed. Retry in "
            + RETRY_AFTER_SECONDS + " s";

    @Override
    public HttpResponse<String> handle(HttpRequest request, DataAccessException exception) {
        if (DatabaseErrors.isUnavailable(exception)) {
            LOG.warn("{} {} answered 503: the database does not answer ({})", request.getMethodName(),
                    request.getPath(), exception.getCause() == null ? exception.getClass().getSimpleName()
                            : exception.getCause().getClass().getSimpleName());
            return HttpResponse.<String>status(HttpStatus.SERVICE_UNAVAILABLE)
                    .contentType(Problems.CONTENT_TYPE)
                    .header("Retry-After", String.valueOf(RETRY_AFTER_SECONDS))
                    .body(Problems.body(HttpStatus.SERVICE_UNAVAILABLE, "database_unavailable", UNAVAILABLE_MESSAGE,
                            List.of()));
        }
        LOG.error("{} {} failed in the database", request.getMethodName(), request.getPath(), exception);
        return HttpResponse.<String>status(HttpStatus.INTERNAL_SERVER_ERROR)
                .contentType(Problems.CONTENT_TYPE)
                .body(Problems.body(HttpStatus.INTERNAL_SERVER_ERROR, "internal_error",
                        "The server failed to handle the request; it has been logged, retry later", List.of()));
    }
}

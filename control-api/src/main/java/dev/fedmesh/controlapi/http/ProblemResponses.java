package dev.fedmesh.controlapi.http;

import dev.fedmesh.controlapi.http.openapi.Schemas;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** Marks an operation's error answers in the OpenAPI document: every one is a {@link Schemas.Problem}. */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
@ApiResponse(responseCode = "4XX", description = "refused: problem+json naming the code and each bad field",
        content = @Content(mediaType = Problems.CONTENT_TYPE, schema = @Schema(implementation = Schemas.Problem.class)))
@ApiResponse(responseCode = "5XX", description = "500 internal_error, or 503 database_unavailable: retry later",
        content = @Content(mediaType = Problems.CONTENT_TYPE, schema = @Schema(implementation = Schemas.Problem.class)))
public @interface ProblemResponses {
}

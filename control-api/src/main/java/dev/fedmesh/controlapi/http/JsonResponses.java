package dev.fedmesh.controlapi.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fedmesh.policy.document.PolicyJson;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;

/** Successful JSON answers. */
final class JsonResponses {
    private JsonResponses() {
    }

    static MutableHttpResponse<String> json(HttpStatus status, JsonNode body) {
        return HttpResponse.<String>status(status).contentType(MediaType.APPLICATION_JSON_TYPE).body(PolicyJson.toText(body));
    }

    static MutableHttpResponse<String> ok(JsonNode body) {
        return json(HttpStatus.OK, body);
    }
}

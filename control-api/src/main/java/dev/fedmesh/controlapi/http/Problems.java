package dev.fedmesh.controlapi.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.document.Violation;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;

import java.util.List;

/** Renders every API error as RFC 9457 problem+json with a stable code and per-field details. */
public final class Problems {
    public static final String CONTENT_TYPE = "application/problem+json";

    private Problems() {
    }

    public static String body(HttpStatus status, String code, String message, List<Violation> details) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("type", "urn:fedmesh:problem:" + code);
        json.put("title", status.getReason());
        json.put("status", status.getCode());
        json.put("code", code);
        json.put("message", message);
        json.put("detail", message);
        ArrayNode fields = json.putArray("details");
        for (Violation violation : details) {
            ObjectNode field = fields.addObject();
            field.put("field", violation.field());
            field.put("problem", violation.problem());
        }
        return PolicyJson.toText(json);
    }

    public static MutableHttpResponse<String> response(ApiException error) {
        return HttpResponse.<String>status(error.status())
                .contentType(CONTENT_TYPE)
                .body(body(error.status(), error.code(), error.getMessage(), error.details()));
    }
}

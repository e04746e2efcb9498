package dev.fedmesh.controlapi;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.LevelResolver;
import com.atlassian.oai.validator.report.ValidationReport;
import com.atlassian.oai.validator.schema.SchemaValidator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Holds every REST exchange of the tests to the OpenAPI document the server serves: a request the
 * document allows gets an answer the document describes, and a request it does not allow is
 * refused with 4xx. Fields the document does not name are mismatches too.
 */
public final class OpenApiContract {
    /** Where control-api serves its document. */
    public static final String DOCUMENT_PATH = "/openapi/fedmesh-control-api.yml";
    private static final Map<URI, OpenApiInteractionValidator> VALIDATORS = new ConcurrentHashMap<>();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private OpenApiContract() {
    }

    /** Throws an AssertionError naming every way the exchange and the served document disagree. */
    public static void check(URI base, HttpRequest request, String body, HttpResponse<String> response) {
        String path = request.uri().getRawPath();
        if (!path.startsWith("/api/")) {
            return;
        }
        OpenApiInteractionValidator validator = VALIDATORS.computeIfAbsent(base, OpenApiContract::load);
        Request exchanged = toRequest(request, body);
        ValidationReport requestReport = validator.validateRequest(exchanged);
        ValidationReport responseReport = validator.validateResponse(path, exchanged.getMethod(), toResponse(response));
        boolean refused = response.statusCode() >= 400 && response.statusCode() < 500;
        StringBuilder mismatches = new StringBuilder();
        if (requestReport.hasErrors() && !refused) {
            mismatches.append("the document does not allow this request, yet the server answered ")
                    .append(response.statusCode()).append(":\n").append(describe(requestReport));
        }
        if (!unknownOperation(requestReport) && responseReport.hasErrors()) {
            mismatches.append("the answer is not what the document describes:\n").append(describe(responseReport));
        }
        if (unknownOperation(requestReport) && !(response.statusCode() == 404 || response.statusCode() == 405)) {
            mismatches.append("the document has no such operation, yet the server answered ").append(response.statusCode())
                    .append('\n');
        }
        if (!mismatches.isEmpty()) {
            throw new AssertionError(request.method() + " " + request.uri().getRawPath()
                    + (request.uri().getRawQuery() == null ? "" : "?" + request.uri().getRawQuery())
                    + (body == null ? "" : " " + body) + "\n-> " + response.statusCode() + " " + response.body() + "\n"
                    + mismatches);
        }
    }

    private static boolean unknownOperation(ValidationReport report) {
        return report.getMessages().stream().anyMatch(message -> message.getKey().equals("validation.request.path.missing")
                || message.getKey().equals("validation.request.operation.notAllowed"));
    }

    private static String describe(ValidationReport report) {
        return report.getMessages().stream()
                .map(message -> "  " + message.getKey() + ": " + message.getMessage()
                        + message.getContext().flatMap(ValidationReport.MessageContext::getPointers)
                                .map(pointers -> " (at " + pointers.getInstance() + ")").orElse(""))
                .collect(Collectors.joining("\n", "", "\n"));
    }

    private static OpenApiInteractionValidator load(URI base) {
        HttpRequest request = HttpRequest.newBuilder(base.resolve(DOCUMENT_PATH)).timeout(Duration.ofSeconds(30)).build();
        try {
            HttpResponse<String> document = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            if (document.statusCode() != 200) {
                throw new AssertionError("the OpenAPI document is not served at " + DOCUMENT_PATH + ": " + document.statusCode());
            }
            return OpenApiInteractionValidator.createForInlineApiSpecification(document.body())
                    .withLevelResolver(LevelResolver.create()
                            .withLevel(SchemaValidator.ADDITIONAL_PROPERTIES_KEY, ValidationReport.Level.ERROR)
                            .build())
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Request toRequest(HttpRequest request, String body) {
        SimpleRequest.Builder exchanged = new SimpleRequest.Builder(request.method(), request.uri().getRawPath());
        request.headers().map().forEach(exchanged::withHeader);
        String query = request.uri().getRawQuery();
        if (query != null && !query.isEmpty()) {
            Map<String, List<String>> parameters = new LinkedHashMap<>();
            for (String pair : query.split("&")) {
                int equals = pair.indexOf('=');
                parameters.computeIfAbsent(decode(equals < 0 ? pair : pair.substring(0, equals)), name -> new ArrayList<>())
                        .add(equals < 0 ? "" : decode(pair.substring(equals + 1)));
            }
            parameters.forEach(exchanged::withQueryParam);
        }
        if (body != null) {
            exchanged.withBody(body);
        }
        return exchanged.build();
    }

    private static SimpleResponse toResponse(HttpResponse<String> response) {
        SimpleResponse.Builder answered = SimpleResponse.Builder.status(response.statusCode());
        response.headers().map().forEach(answered::withHeader);
        if (!response.body().isEmpty()) {
            answered.withBody(response.body());
        }
        return answered.build();
    }

    private static String decode(String text) {
        return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }
}

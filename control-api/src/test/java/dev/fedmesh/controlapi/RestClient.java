package dev.fedmesh.controlapi;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Plain HTTP calls, as curl would make them, so tests see exactly what users see; every exchange
 * is held to the served OpenAPI document ({@link OpenApiContract}).
 */
public final class RestClient {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI base;
    private final String token;

    public RestClient(URI base, String token) {
        this.base = base;
        this.token = token;
    }

    public HttpResponse<String> send(String method, String path, String body) {
        return send(method, path, body, "application/json", token);
    }

    public HttpResponse<String> send(String method, String path, String body, String contentType, String bearer) {
        return send(method, path, body, contentType, bearer, java.util.Map.of());
    }

    public HttpResponse<String> send(String method, String path, String body, java.util.Map<String, String> headers) {
        return send(method, path, body, "application/json", token, headers);
    }

    public HttpResponse<String> send(String method, String path, String body, String contentType, String bearer,
                              java.util.Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30));
        headers.forEach(request::header);
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        if (body != null) {
            request.header("Content-Type", contentType);
            request.method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpRequest built = request.build();
        try {
            HttpResponse<String> response = http.send(built, HttpResponse.BodyHandlers.ofString());
            OpenApiContract.check(base, built, body, response);
            return response;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

package dev.fedmesh.agent.registration;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.fedmesh.agent.inventory.AnnouncedEndpoint;
import dev.fedmesh.agent.inventory.EndpointFields;
import dev.fedmesh.agent.inventory.InvalidEndpointException;
import dev.fedmesh.agent.inventory.InvalidEndpointException.FieldProblem;
import dev.fedmesh.agent.inventory.LocalEndpoint;
import dev.fedmesh.agent.inventory.LocalInventory;
import dev.fedmesh.api.v1.EndpointHealth;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's registration API, for workloads that never connect over xDS (a VM, a database): a
 * small HTTP server on loopback by default, every request authenticated by a bearer token.
 * <ul>
 *   <li>{@code PUT /v1/endpoints} with a JSON body {@code {"service", "host", "port", "labels",
 *       "serviceAccount"}} registers an endpoint, replacing one registered at the same service, host
 *       and port: 201 when new, 200 otherwise, answering the endpoint;</li>
 *   <li>{@code DELETE /v1/endpoints?service=&host=&port=} removes one: 204, or 404;</li>
 *   <li>{@code GET /v1/endpoints} lists every local endpoint with its sources and health.</li>
 * </ul>
 * Errors are {@code application/problem+json} with a stable {@code code}, a {@code message} and
 * {@code details[]} naming each field and its fix: 400, 401 (no or another token), 404, 405, 413
 * (a body over {@value #MAX_BODY_BYTES} bytes). A refused request changes nothing.
 */
public final class RegistrationApi implements AutoCloseable {

    /** The path of the endpoints collection. */
    public static final String ENDPOINTS_PATH = "/v1/endpoints";
    /** The largest request body taken; an endpoint needs far less. */
    public static final int MAX_BODY_BYTES = 64 * 1024;
    private static final long MAX_DRAINED_BYTES = 1024 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(RegistrationApi.class);
    private static final String JSON = "application/json";
    private static final String PROBLEM_JSON = "application/problem+json";

    private final String tenant;
    private final String cluster;
    private final LocalInventory inventory;
    private final BearerToken token;
    private final HttpServer server;
    private final ExecutorService executor;

    private RegistrationApi(String tenant, String cluster, LocalInventory inventory, BearerToken token,
                            HttpServer server, ExecutorService executor) {
        this.tenant = tenant;
        this.cluster = cluster;
        this.inventory = inventory;
        this.token = token;
        this.server = server;
        this.executor = executor;
    }

    /** Starts serving {@code inventory}'s registrations on the settings' address, with the token read from its file. */
    public static RegistrationApi start(String tenant, String cluster, LocalInventory inventory,
                                        RegistrationApiSettings settings) {
        BearerToken token = BearerToken.read(settings.tokenFile());
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(settings.host(), settings.port()), 16);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve the registration API on " + settings.host() + ":"
                    + settings.port() + " (" + e.getMessage() + "): set fedmesh.agent.registration.port to a free port"
                    + " (0 for any) and fedmesh.agent.registration.host to an address of this machine", e);
        }
        ExecutorService executor = Executors.newFixedThreadPool(2, runnable -> {
            Thread thread = new Thread(runnable, "fedmesh-registration-api-" + tenant + "-" + cluster);
            thread.setDaemon(true);
            return thread;
        });
        RegistrationApi api = new RegistrationApi(tenant, cluster, inventory, token, server, executor);
        server.createContext("/", api::handle);
        server.setExecutor(executor);
        server.start();
        return api;
    }

    /** The address the API listens on (with the chosen port when the settings asked for 0). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Answer answer;
            try {
                answer = answer(exchange);
            } catch (RuntimeException e) {
                LOG.warn("tenant={} cluster={} registration API failed on {} {}: {}", tenant, cluster,
                        exchange.getRequestMethod(), exchange.getRequestURI().getPath(), e.toString());
                answer = Answer.problem(500, "internal", "the agent could not handle the request; see its log", List.of());
            }
            answer.send(exchange);
        }
    }

    private Answer answer(HttpExchange exchange) throws IOException {
        if (!token.matches(Optional.ofNullable(exchange.getRequestHeaders().getFirst("Authorization")))) {
            exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
            return Answer.problem(401, "unauthenticated", "send the agent's registration token as 'Authorization:"
                    + " Bearer <token>' (the content of the file fedmesh.agent.registration.token-file names)", List.of());
        }
        if (!exchange.getRequestURI().getPath().equals(ENDPOINTS_PATH)) {
            return Answer.problem(404, "not-found", "no such resource: the registration API serves " + ENDPOINTS_PATH,
                    List.of());
        }
        return switch (exchange.getRequestMethod()) {
            case "GET" -> list();
            case "PUT" -> put(exchange);
            case "DELETE" -> delete(exchange);
            default -> {
                exchange.getResponseHeaders().set("Allow", "GET, PUT, DELETE");
                yield Answer.problem(405, "method-not-allowed", exchange.getRequestMethod() + " is not served on "
                        + ENDPOINTS_PATH + ": use GET to list, PUT to register, DELETE to remove", List.of());
            }
        };
    }

    private Answer list() {
        ListValue.Builder endpoints = ListValue.newBuilder();
        for (LocalEndpoint entry : inventory.entries()) {
            Struct.Builder fields = EndpointFields.write(new AnnouncedEndpoint(entry.endpoint(), entry.serviceAccount()))
                    .toBuilder();
            ListValue.Builder sources = ListValue.newBuilder();
            entry.sources().stream().sorted().forEach(source -> sources.addValues(string(source.name())));
            fields.putFields("sources", Value.newBuilder().setListValue(sources).build());
            fields.putFields("health", string(healthName(entry.health())));
            endpoints.addValues(Value.newBuilder().setStructValue(fields));
        }
        return Answer.json(200, Struct.newBuilder()
                .putFields("endpoints", Value.newBuilder().setListValue(endpoints).build()).build());
    }

    private Answer put(HttpExchange exchange) throws IOException {
        Optional<byte[]> body = body(exchange);
        if (body.isEmpty()) {
            return Answer.problem(413, "body-too-large", "the request body is over " + MAX_BODY_BYTES
                    + " bytes: send one endpoint as {\"service\", \"host\", \"port\", \"labels\", \"serviceAccount\"}",
                    List.of());
        }
        Struct.Builder fields = Struct.newBuilder();
        try {
            JsonFormat.parser().merge(new String(body.get(), StandardCharsets.UTF_8), fields);
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            return Answer.problem(400, "invalid-json", "the body must be a JSON object such as {\"service\": \"greeter\","
                    + " \"host\": \"10.0.0.7\", \"port\": 8080, \"labels\": {\"version\": \"v2\"}}",
                    List.of(new FieldProblem("body", "is not a JSON object")));
        }
        List<String> unknown = fields.getFieldsMap().keySet().stream()
                .filter(name -> !List.of(EndpointFields.SERVICE, EndpointFields.HOST, EndpointFields.PORT,
                        EndpointFields.LABELS, EndpointFields.SERVICE_ACCOUNT).contains(name))
                .sorted().toList();
        if (!unknown.isEmpty()) {
            return Answer.problem(400, "invalid-endpoint", "the endpoint has fields this API does not know",
                    unknown.stream().map(name -> new FieldProblem(name.length() > 64 ? name.substring(0, 64) + "..." : name,
                            "unknown field: give only service, host, port, labels and serviceAccount")).toList());
        }
        AnnouncedEndpoint announced;
        try {
            announced = EndpointFields.read(fields.build(), "", Optional.empty());
        } catch (InvalidEndpointException e) {
            return Answer.problem(400, "invalid-endpoint", "the endpoint cannot be registered: fix the fields"
                    + " named in details", e.problems());
        }
        boolean created = inventory.putRegistered(announced);
        LOG.info("tenant={} cluster={} registration API {} endpoint {} of service {} {}", tenant, cluster,
                created ? "registered" : "updated", announced.endpoint().address(), announced.endpoint().service(),
                announced.endpoint().labels());
        return Answer.json(created ? 201 : 200, EndpointFields.write(announced));
    }

    private Answer delete(HttpExchange exchange) {
        Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
        Struct.Builder fields = Struct.newBuilder();
        query.forEach((name, value) -> fields.putFields(name, string(value)));
        ServiceEndpoint endpoint;
        try {
            endpoint = EndpointFields.read(fields.build(), "", Optional.empty()).endpoint();
        } catch (InvalidEndpointException e) {
            List<FieldProblem> problems = e.problems().stream()
                    .filter(problem -> !problem.field().startsWith(EndpointFields.LABELS)).toList();
            return Answer.problem(400, "invalid-endpoint", "name the endpoint to remove as " + ENDPOINTS_PATH
                    + "?service=<service>&host=<host>&port=<port>", problems);
        }
        Optional<ServiceEndpoint> removed = inventory.removeRegistered(endpoint.service(), endpoint.host(), endpoint.port());
        if (removed.isEmpty()) {
            return Answer.problem(404, "endpoint-not-found", "no endpoint of service " + endpoint.service() + " at "
                    + endpoint.address() + " was registered through this API (endpoints of connected workloads leave"
                    + " when their streams close)", List.of());
        }
        LOG.info("tenant={} cluster={} registration API removed endpoint {} of service {}", tenant, cluster,
                endpoint.address(), endpoint.service());
        return new Answer(204, null, new byte[0]);
    }

    /**
     * The body, or empty when it is over {@link #MAX_BODY_BYTES}. A body somewhat over is read to its
     * end (up to {@value #MAX_DRAINED_BYTES} bytes) so the client reads the 413 rather than a reset
     * connection; the connection of a larger one is closed after the answer.
     */
    private static Optional<byte[]> body(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] bytes = in.readNBytes(MAX_BODY_BYTES + 1);
            if (bytes.length <= MAX_BODY_BYTES) {
                return Optional.of(bytes);
            }
            // read(), not skip(): the server's body stream passes skip() to the socket, past the body's end.
            byte[] buffer = new byte[8192];
            long drained = 0;
            int read;
            while (drained < MAX_DRAINED_BYTES && (read = in.read(buffer)) > 0) {
                drained += read;
            }
            exchange.getResponseHeaders().set("Connection", "close");
            return Optional.empty();
        }
    }

    private static Map<String, String> query(String rawQuery) {
        Map<String, String> parameters = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return parameters;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            if (List.of(EndpointFields.SERVICE, EndpointFields.HOST, EndpointFields.PORT).contains(name)) {
                parameters.putIfAbsent(name, value);
            }
        }
        return parameters;
    }

    private static String healthName(EndpointHealth health) {
        return health.name().replace("ENDPOINT_HEALTH_", "");
    }

    private static Value string(String text) {
        return Value.newBuilder().setStringValue(text).build();
    }

    /** One HTTP answer: status, content type and body. */
    private record Answer(int status, String contentType, byte[] body) {

        static Answer json(int status, Struct body) {
            return new Answer(status, JSON, print(body));
        }

        static Answer problem(int status, String code, String message, List<FieldProblem> details) {
            ListValue.Builder list = ListValue.newBuilder();
            details.forEach(detail -> list.addValues(Value.newBuilder().setStructValue(Struct.newBuilder()
                    .putFields("field", string(detail.field()))
                    .putFields("message", string(detail.message())))));
            Struct problem = Struct.newBuilder()
                    .putFields("type", string("about:blank"))
                    .putFields("title", string(code))
                    .putFields("status", Value.newBuilder().setNumberValue(status).build())
                    .putFields("code", string(code))
                    .putFields("message", string(message))
                    .putFields("details", Value.newBuilder().setListValue(list).build())
                    .build();
            return new Answer(status, PROBLEM_JSON, print(problem));
        }

        void send(HttpExchange exchange) throws IOException {
            if (contentType == null) {
                exchange.sendResponseHeaders(status, -1);
                return;
            }
            exchange.getResponseHeaders().set("Content-Type", contentType);
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }

        private static byte[] print(Struct body) {
            try {
                return (JsonFormat.printer().print(body) + "\n").getBytes(StandardCharsets.UTF_8);
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("a Struct always prints as JSON", e);
            }
        }
    }
}

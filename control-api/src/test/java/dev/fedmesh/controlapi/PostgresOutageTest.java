package dev.fedmesh.controlapi;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import com.zaxxer.hikari.HikariDataSource;
import dev.fedmesh.api.v1.ApplyServiceRequest;
import dev.fedmesh.api.v1.GetTenantRequest;
import dev.fedmesh.api.v1.ServiceResource;
import dev.fedmesh.api.v1.ServiceServiceGrpc;
import dev.fedmesh.api.v1.TenantServiceGrpc;
import dev.fedmesh.testing.EmbeddedPostgres;
import dev.fedmesh.testing.TestDatabase;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.MetadataUtils;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.ApplicationContext;
import io.micronaut.http.annotation.Controller;
import io.micronaut.inject.qualifiers.Qualifiers;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import javax.sql.DataSource;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * PostgreSQL stops while control-api runs: a burst of requests that need it, over REST and
 * gRPC, is answered 503 / UNAVAILABLE within one connection timeout, each request waiting for
 * its connection at the same time as the others; what needs no database (the OpenAPI document
 * and UI) is answered meanwhile; and /prometheus keeps serving, the database marked down. Runs a
 * PostgreSQL of its own, since it stops it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PostgresOutageTest {
    /** datasources.default.connection-timeout of the service under test. */
    private static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(3);
    private static final int BURST = 48;
    /** A bound on a hang, never a timed assertion. */
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    @TempDir
    static Path work;

    private EmbeddedPostgres postgres;
    private int postgresPort;
    private RunningApi api;
    private ManagedChannel grpc;
    private String tenant;
    private String viewer;
    private String editor;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    void anApiWithATenantOnAPostgresOfItsOwn() {
        postgres = EmbeddedPostgres.start(work.resolve("postgres"), 0);
        postgresPort = postgres.port();
        api = RunningApi.start(new TestDatabase(postgres.createDatabase("fedmesh"), postgres.username(), postgres.password()),
                Map.of("datasources.default.connection-timeout", CONNECTION_TIMEOUT.toMillis(),
                        "fedmesh.api.metrics.refresh-wait", "500ms"));
        grpc = NettyChannelBuilder.forAddress("127.0.0.1", api.grpcPort()).usePlaintext().build();
        tenant = api.newTenant();
        assertThat(api.send(api.adminToken, "POST", "/api/v1/tenants/" + tenant + "/clusters", "{\"name\": \"east\"}")
                .statusCode()).isEqualTo(201);
        viewer = api.mint(api.adminToken, tenant, "viewer", "viewer");
        editor = api.mint(api.adminToken, tenant, "editor", "editor");
    }

    @AfterAll
    void stopEverything() throws InterruptedException {
        if (grpc != null) {
            grpc.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (api != null) {
            api.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void aBurstOfRequestsThatNeedTheDatabaseIsAnswered503WithinOneConnectionTimeoutAndTheOpenApiMeanwhile() {
        stopPostgres();
        double timeoutsBefore = connectionTimeouts();
        String tenantPath = "/api/v1/tenants/" + tenant;
        List<Timed<HttpResponse<String>>> burst = new ArrayList<>();
        for (int i = 0; i < BURST; i++) {
            burst.add(switch (i % 4) {
                case 0 -> send(viewer, "GET", tenantPath + "/policies", null);
                case 1 -> send(editor, "PUT", tenantPath + "/services/greeter-" + i, "{}");
                case 2 -> send(api.adminToken, "GET", tenantPath, null);
                default -> send(api.adminToken, "PUT", tenantPath + "/services/greeter-" + i, "{}");
            });
        }
        int waitingAtOnce = mostWaitingForAConnection(burst);
        Timed<HttpResponse<String>> document = send(null, "GET", "/openapi/fedmesh-control-api.yml", null);
        Timed<HttpResponse<String>> ui = send(null, "GET", "/openapi/ui/index.html", null);
        document.answer().join();
        ui.answer().join();
        burst.forEach(request -> request.answer().join());

        System.out.println("With PostgreSQL down and datasources.default.connection-timeout " + CONNECTION_TIMEOUT.toMillis()
                + " ms, " + BURST + " concurrent REST requests (" + waitingAtOnce + " waiting for a connection at once) were"
                + " answered in " + spread(burst) + "; the OpenAPI document in " + document.millis() + " ms and its UI in "
                + ui.millis() + " ms while they waited");
        assertThat(waitingAtOnce).as("requests waiting for a database connection at the same moment").isGreaterThanOrEqualTo(BURST);
        assertThat(document.value().statusCode()).isEqualTo(200);
        assertThat(ui.value().statusCode()).isEqualTo(200);
        long firstBurstAnswer = burst.stream().mapToLong(Timed::answeredAt).min().orElseThrow();
        assertThat(Math.max(document.answeredAt(), ui.answeredAt()))
                .as("the OpenAPI document and UI are answered before any request that waits for the database")
                .isLessThan(firstBurstAnswer);
        for (Timed<HttpResponse<String>> request : burst) {
            HttpResponse<String> answer = request.value();
            assertThat(answer.statusCode()).as(request.what()).isEqualTo(503);
            assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(answer.headers().firstValue("Retry-After")).hasValue("5");
            assertThat(answer.body()).contains("\"code\":\"database_unavailable\"").doesNotContain("jdbc:", "SQL");
            assertThat(request.millis()).as(request.what() + ": within one connection timeout, far from two")
                    .isLessThan(2 * CONNECTION_TIMEOUT.toMillis());
        }
        assertThat(connectionTimeouts() - timeoutsBefore).as("connections asked for and not given: one per request")
                .isEqualTo(BURST);
    }

    @Test
    void aBurstOfGrpcCallsThatNeedTheDatabaseIsAnsweredUnavailableWithinOneConnectionTimeout() {
        stopPostgres();
        double timeoutsBefore = connectionTimeouts();
        List<Timed<Throwable>> burst = new ArrayList<>();
        for (int i = 0; i < BURST; i++) {
            burst.add(i % 2 == 0
                    ? call("GetTenant as a viewer", TenantServiceGrpc.newFutureStub(as(viewer))
                            .getTenant(GetTenantRequest.newBuilder().setName(tenant).build()))
                    : call("ApplyService as the operator", ServiceServiceGrpc.newFutureStub(as(api.adminToken))
                            .applyService(ApplyServiceRequest.newBuilder().setTenant(tenant)
                                    .setService(ServiceResource.newBuilder().setName("greeter-" + i)).build())));
        }
        int waitingAtOnce = mostWaitingForAConnection(burst);
        burst.forEach(call -> call.answer().join());

        System.out.println("With PostgreSQL down, " + BURST + " concurrent gRPC calls (" + waitingAtOnce
                + " waiting for a connection at once) were answered in " + spread(burst));
        assertThat(waitingAtOnce).as("calls waiting for a database connection at the same moment").isGreaterThanOrEqualTo(BURST);
        for (Timed<Throwable> call : burst) {
            assertThat(call.value()).as(call.what() + " fails").isNotNull();
            assertThat(Status.fromThrowable(call.value()).getCode()).as(call.what()).isEqualTo(Status.Code.UNAVAILABLE);
            com.google.rpc.Status details = StatusProto.fromThrowable(call.value());
            assertThat(details).as(call.what() + ": google.rpc.Status details").isNotNull();
            assertThat(unpacked(details, ErrorInfo.class)).extracting(ErrorInfo::getReason).containsExactly("database_unavailable");
            assertThat(unpacked(details, RetryInfo.class)).extracting(info -> info.getRetryDelay().getSeconds())
                    .containsExactly(5L);
            assertThat(call.millis()).as(call.what() + ": within one connection timeout, far from two")
                    .isLessThan(2 * CONNECTION_TIMEOUT.toMillis());
        }
        assertThat(connectionTimeouts() - timeoutsBefore).as("connections asked for and not given: one per call")
                .isEqualTo(BURST);
    }

    @Test
    void metricsAreServedWhilePostgresIsDownWithTheLastTrustValuesAndTheDatabaseMarkedDown() {
        startPostgres();
        awaitUntil(() -> gauge(scrape(), "fedmesh_database_up", "") == 1.0, "the trust gauges to be read");
        String before = scrape();
        assertThat(gauge(before, "fedmesh_database_up", "")).isEqualTo(1.0);
        assertThat(gauge(before, "fedmesh_trust_clusters_missing", "tenant=\"" + tenant + "\"")).isEqualTo(1.0);
        double readAt = gauge(before, "fedmesh_trust_gauges_refreshed_timestamp_seconds", "");
        assertThat(readAt).isPositive();

        stopPostgres();
        String during = scrape();

        assertThat(gauge(during, "fedmesh_database_up", "")).isEqualTo(0.0);
        assertThat(gauge(during, "fedmesh_trust_clusters_missing", "tenant=\"" + tenant + "\"")).as("the last value read")
                .isEqualTo(1.0);
        assertThat(gauge(during, "fedmesh_trust_gauges_refreshed_timestamp_seconds", "")).isEqualTo(readAt);
        assertThat(during).contains("jvm_memory_used_bytes");
        assertThat(gauge(during, "hikaricp_connections_pending", null))
                .as("the scrape was answered while its read still waited for a connection, not after the timeout")
                .isGreaterThanOrEqualTo(1.0);

        startPostgres();
        awaitUntil(() -> gauge(scrape(), "fedmesh_database_up", "") == 1.0, "the trust gauges to be read again");
        assertThat(gauge(scrape(), "fedmesh_trust_gauges_refreshed_timestamp_seconds", "")).isGreaterThan(readAt);
    }

    @Test
    void everyControllerRunsOnTheBlockingExecutorSoNoneCanStallTheEventLoop() {
        Map<String, String> executors = new TreeMap<>();
        api.bean(ApplicationContext.class).getBeanDefinitions(Qualifiers.byStereotype(Controller.class)).forEach(definition ->
                executors.put(definition.getBeanType().getName(), definition.stringValue(ExecuteOn.class).orElse("the event loop")));

        assertThat(executors).as("controllers and where they run").isNotEmpty()
                .allSatisfy((controller, executor) -> assertThat(executor).as(controller).isEqualTo(TaskExecutors.BLOCKING));
    }

    /** One request of the burst: what it was, when it was sent, and its answer with the moment it came. */
    private record Timed<T>(String what, long sentAt, CompletableFuture<Answered<T>> answer) {
        T value() {
            return answer.join().value();
        }

        long answeredAt() {
            return answer.join().at();
        }

        long millis() {
            return TimeUnit.NANOSECONDS.toMillis(answeredAt() - sentAt);
        }
    }

    private record Answered<T>(T value, long at) {
    }

    private Timed<HttpResponse<String>> send(String bearer, String method, String path, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(api.base().resolve(path)).timeout(PATIENCE)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        String what = method + " " + path + (bearer == null ? "" : bearer.equals(api.adminToken) ? " as the operator"
                : bearer.equals(viewer) ? " as a viewer" : " as an editor");
        long sentAt = System.nanoTime();
        return new Timed<>(what, sentAt, http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString())
                .thenApply(answer -> new Answered<>(answer, System.nanoTime())));
    }

    /** A gRPC call of the burst; its value is what it failed with, null when it succeeded. */
    private Timed<Throwable> call(String what, ListenableFuture<?> call) {
        long sentAt = System.nanoTime();
        CompletableFuture<Answered<Throwable>> answer = new CompletableFuture<>();
        call.addListener(() -> {
            long at = System.nanoTime();
            try {
                call.get();
                answer.complete(new Answered<>(null, at));
            } catch (ExecutionException e) {
                answer.complete(new Answered<>(e.getCause(), at));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                answer.completeExceptionally(e);
            }
        }, MoreExecutors.directExecutor());
        return new Timed<>(what, sentAt, answer);
    }

    private static <M extends Message> List<M> unpacked(com.google.rpc.Status status, Class<M> type) {
        return status.getDetailsList().stream().filter(detail -> detail.is(type)).map(detail -> {
            try {
                return detail.unpack(type);
            } catch (InvalidProtocolBufferException e) {
                throw new AssertionError(type.getSimpleName() + " in " + status, e);
            }
        }).toList();
    }

    private Channel as(String token) {
        Metadata headers = new Metadata();
        headers.put(AUTHORIZATION, "Bearer " + token);
        return ClientInterceptors.intercept(grpc, MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    /**
     * The most requests the pool saw waiting for a connection at once, watched until all of the
     * burst wait or the first is answered: requests held up behind each other never all wait together.
     */
    private int mostWaitingForAConnection(List<? extends Timed<?>> burst) {
        var pool = ((HikariDataSource) api.bean(DataSource.class)).getHikariPoolMXBean();
        int most = 0;
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (most < burst.size() && burst.stream().noneMatch(request -> request.answer().isDone())
                && System.nanoTime() < deadline) {
            most = Math.max(most, pool.getThreadsAwaitingConnection());
            pause(Duration.ofMillis(2));
        }
        return most;
    }

    private double connectionTimeouts() {
        return api.bean(MeterRegistry.class).get("hikaricp.connections.timeout").counter().count();
    }

    private String scrape() {
        HttpResponse<String> scraped = api.send(api.adminToken, "GET", "/prometheus", null);
        assertThat(scraped.statusCode()).as("/prometheus: " + scraped.body()).isEqualTo(200);
        return scraped.body();
    }

    /** The value of one series; {@code labels} as Prometheus prints them, "" for none, null for any. */
    private static double gauge(String metrics, String name, String labels) {
        String series = Pattern.quote(name) + (labels == null ? "(\\{[^}]*})?" : labels.isEmpty() ? "" : Pattern.quote("{" + labels + "}"));
        Matcher value = Pattern.compile("(?m)^" + series + " (\\S+)$").matcher(metrics);
        assertThat(value.find()).as(name + "{" + labels + "} in\n" + metrics).isTrue();
        return Double.parseDouble(value.group(value.groupCount()));
    }

    private static String spread(List<? extends Timed<?>> burst) {
        List<Long> millis = burst.stream().map(Timed::millis).sorted(Comparator.naturalOrder()).toList();
        return millis.get(0) + " to " + millis.get(millis.size() - 1) + " ms (median " + millis.get(millis.size() / 2) + " ms)";
    }

    private void stopPostgres() {
        if (postgres != null) {
            postgres.close();
            postgres = null;
            // Hikari hands out a connection used in the last 500 ms without checking it, and one of those
            // may fail at once with the server's goodbye; past that, every request waits for a new one.
            pause(Duration.ofSeconds(1));
        }
    }

    private void startPostgres() {
        if (postgres == null) {
            postgres = EmbeddedPostgres.start(work.resolve("postgres"), postgresPort);
        }
    }

    private static void awaitUntil(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited " + PATIENCE.toSeconds() + " s for " + what);
            }
            pause(Duration.ofMillis(100));
        }
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}

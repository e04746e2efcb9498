package dev.fedmesh.agent.health;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import dev.fedmesh.policy.healthcheck.HealthCheck;
import dev.fedmesh.policy.xds.ServiceEndpoint;
import io.grpc.ConnectivityState;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Checks one endpoint once, the way its {@link HealthCheck} says: the standard gRPC health check
 * ({@code grpc.health.v1.Health/Check}), an HTTP GET, or a TCP connect through the agent's
 * {@link TcpProber}. Every probe is asynchronous and its result comes within the check's timeout,
 * whatever the endpoint does, so a slow endpoint holds no thread and delays no other probe.
 * Probes are plaintext, except those of STRICT mTLS services, which are mutual TLS with the
 * agent's own SVID ({@link ProbeIdentity}).
 */
public final class HealthCheckProber implements AutoCloseable {

    private final TcpProber tcp;
    private final Executor executor;
    private final ProbeIdentity identity;
    private final HttpClient http;
    private final HttpClient mutualTlsHttp;
    /** One channel per endpoint checked over gRPC, kept between probes as a real client keeps its connection. */
    private final Map<GrpcTarget, ManagedChannel> channels = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * Probes TCP through {@code tcp}, completes HTTP and gRPC probes on {@code executor}, and makes
     * mutual TLS probes with {@code identity}.
     */
    public HealthCheckProber(TcpProber tcp, Executor executor, ProbeIdentity identity) {
        this.tcp = Objects.requireNonNull(tcp, "tcp");
        this.executor = Objects.requireNonNull(executor, "executor");
        this.identity = Objects.requireNonNull(identity, "identity");
        this.http = httpClient(executor).build();
        this.mutualTlsHttp = httpClient(executor).sslContext(identity.httpContext()).build();
    }

    /** A gRPC health check of an endpoint, plaintext or mutual TLS: each has a channel of its own. */
    public record GrpcTarget(ProbeTarget target, boolean mutualTls) {
    }

    /** Checks {@code endpoint} once in plaintext; never completes exceptionally, and completes within the check's timeout. */
    public CompletableFuture<ProbeResult> probe(ServiceEndpoint endpoint, HealthCheck check) {
        return probe(endpoint, check, false);
    }

    /**
     * Checks {@code endpoint} once, its gRPC and HTTP checks over mutual TLS when {@code mutualTls};
     * never completes exceptionally, and completes within the check's timeout.
     */
    public CompletableFuture<ProbeResult> probe(ServiceEndpoint endpoint, HealthCheck check, boolean mutualTls) {
        ProbeTarget target = new ProbeTarget(endpoint.host(), endpoint.port());
        Duration timeout = check.timeout();
        CompletableFuture<ProbeResult> result;
        try {
            if (mutualTls && !(check.probe() instanceof HealthCheck.Tcp) && !identity.present()) {
                result = CompletableFuture.completedFuture(ProbeResult.failed(
                        "not probed: the agent holds no SVID yet to make a mutual TLS check with"));
            } else if (check.probe() instanceof HealthCheck.Grpc grpc) {
                result = grpc(new GrpcTarget(target, mutualTls), grpc, timeout);
            } else if (check.probe() instanceof HealthCheck.Http get) {
                result = http(target, get, timeout, mutualTls);
            } else {
                result = tcp.probe(target, timeout);
            }
        } catch (RuntimeException e) {
            result = CompletableFuture.failedFuture(e);
        }
        return result
                .completeOnTimeout(ProbeResult.failed("timed out after " + timeout.toMillis() + " ms"),
                        timeout.toMillis(), TimeUnit.MILLISECONDS)
                .exceptionally(HealthCheckProber::failure);
    }

    /**
     * Connects a channel to each endpoint checked over gRPC, ahead of its first probe, and closes the
     * channels of endpoints no longer checked so.
     */
    public void grpcTargets(Set<GrpcTarget> checked) {
        channels.entrySet().removeIf(entry -> {
            if (checked.contains(entry.getKey())) {
                return false;
            }
            entry.getValue().shutdownNow();
            return true;
        });
        if (!closed) {
            checked.forEach(target -> channel(target).getState(true));
        }
    }

    /** Closes every gRPC channel; probes still running fail. The TCP prober is its owner's to close. */
    @Override
    public void close() {
        closed = true;
        channels.values().forEach(ManagedChannel::shutdownNow);
        channels.clear();
    }

    private CompletableFuture<ProbeResult> grpc(GrpcTarget target, HealthCheck.Grpc check, Duration timeout) {
        if (closed) {
            return CompletableFuture.completedFuture(ProbeResult.failed("not probed: the prober is closed"));
        }
        ManagedChannel channel = channel(target);
        // A channel that failed to connect waits out a growing back-off before trying again; an endpoint
        // that is back must be seen at the next probe, not minutes later.
        if (channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
            channel.resetConnectBackoff();
        }
        CompletableFuture<ProbeResult> result = new CompletableFuture<>();
        Futures.addCallback(HealthGrpc.newFutureStub(channel)
                .withWaitForReady()
                .withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS)
                .check(HealthCheckRequest.newBuilder().setService(check.serviceName()).build()),
                new FutureCallback<>() {
                    @Override
                    public void onSuccess(HealthCheckResponse response) {
                        result.complete(response.getStatus() == HealthCheckResponse.ServingStatus.SERVING
                                ? new ProbeResult(true, "SERVING")
                                : ProbeResult.failed("answered " + response.getStatus()));
                    }

                    @Override
                    public void onFailure(Throwable error) {
                        Status status = Status.fromThrowable(error);
                        result.complete(ProbeResult.failed("gRPC " + status.getCode()
                                + (status.getDescription() == null ? "" : ": " + status.getDescription())));
                    }
                }, executor);
        return result;
    }

    private ManagedChannel channel(GrpcTarget target) {
        return channels.computeIfAbsent(target, t -> {
            ProbeTarget address = t.target();
            if (!t.mutualTls()) {
                return Grpc.newChannelBuilderForAddress(address.host(), address.port(), InsecureChannelCredentials.create())
                        .executor(executor)
                        .build();
            }
            return NettyChannelBuilder.forAddress(address.host(), address.port())
                    .sslContext(identity.grpcContext())
                    .executor(executor)
                    .build();
        });
    }

    private static HttpClient.Builder httpClient(Executor executor) {
        return HttpClient.newBuilder()
                .executor(executor)
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER);
    }

    private CompletableFuture<ProbeResult> http(ProbeTarget target, HealthCheck.Http check, Duration timeout,
                                                boolean mutualTls) {
        HttpRequest request = HttpRequest.newBuilder(URI.create((mutualTls ? "https://" : "http://") + target + check.path()))
                .timeout(timeout)
                .GET()
                .build();
        return (mutualTls ? mutualTlsHttp : http).sendAsync(request, HttpResponse.BodyHandlers.discarding())
                .thenApply(response -> check.expectedStatuses().contains(response.statusCode())
                        ? new ProbeResult(true, "HTTP " + response.statusCode())
                        : ProbeResult.failed("HTTP " + response.statusCode() + ", expected one of "
                                + check.expectedStatuses()));
    }

    private static ProbeResult failure(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof HttpTimeoutException) {
            return ProbeResult.failed("timed out");
        }
        String message = cause.getMessage();
        return ProbeResult.failed(cause.getClass().getSimpleName() + (message == null ? "" : ": " + message));
    }
}

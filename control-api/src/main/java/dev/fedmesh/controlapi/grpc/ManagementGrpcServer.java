package dev.fedmesh.controlapi.grpc;

import dev.fedmesh.api.v1.AuditServiceGrpc;
import dev.fedmesh.api.v1.ClusterServiceGrpc;
import dev.fedmesh.api.v1.PolicyServiceGrpc;
import dev.fedmesh.api.v1.ServiceServiceGrpc;
import dev.fedmesh.api.v1.StatusServiceGrpc;
import dev.fedmesh.api.v1.TenantServiceGrpc;
import dev.fedmesh.api.v1.TokenServiceGrpc;
import dev.fedmesh.api.v1.TrustServiceGrpc;
import dev.fedmesh.controlapi.listen.ListenHost;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.event.ApplicationEventListener;
import io.micronaut.context.event.StartupEvent;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.scheduling.TaskExecutors;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Serves the gRPC management API on {@code fedmesh.api.grpc.host}:{@code fedmesh.api.grpc.port}
 * (default 127.0.0.1:9090, this machine only; port 0 picks a free one, see {@link #port()}) for as
 * long as the application context runs, beside server reflection and the standard health
 * service, which answers SERVING until shutdown begins.
 */
@Singleton
public final class ManagementGrpcServer implements ApplicationEventListener<StartupEvent> {
    /** Requests are small documents; anything larger is refused with RESOURCE_EXHAUSTED, as REST answers 413. */
    static final int MAX_INBOUND_MESSAGE_BYTES = 1024 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(ManagementGrpcServer.class);
    private static final List<String> SERVICES = List.of(TenantServiceGrpc.SERVICE_NAME, ClusterServiceGrpc.SERVICE_NAME,
            ServiceServiceGrpc.SERVICE_NAME, PolicyServiceGrpc.SERVICE_NAME, TokenServiceGrpc.SERVICE_NAME,
            AuditServiceGrpc.SERVICE_NAME, StatusServiceGrpc.SERVICE_NAME, TrustServiceGrpc.SERVICE_NAME);
    private static final String HOST_PROPERTY = "fedmesh.api.grpc.host";
    private final ListenHost host;
    private final int configuredPort;
    private final HealthStatusManager health = new HealthStatusManager();
    private final Server server;

    @SuppressWarnings("deprecation") // v1alpha reflection stays for grpcurl and IDE clients that only speak it
    ManagementGrpcServer(@Value("${" + HOST_PROPERTY + ":127.0.0.1}") String host,
                         @Value("${fedmesh.api.grpc.port:9090}") int port,
                         @Named(TaskExecutors.BLOCKING) ExecutorService blocking,
                         BearerTokenInterceptor authentication,
                         TenantGrpcService tenants,
                         ClusterGrpcService clusters,
                         ServiceGrpcService services,
                         PolicyGrpcService policies,
                         TokenGrpcService tokens,
                         AuditGrpcService audit,
                         StatusGrpcService status,
                         TrustGrpcService trust) {
        if (port < 0 || port > 65535) {
            throw new ConfigurationException("fedmesh.api.grpc.port must be 0 (any free port) to 65535, not " + port);
        }
        this.host = ListenHost.of(HOST_PROPERTY, "FEDMESH_API_GRPC_HOST", host);
        this.configuredPort = port;
        this.server = NettyServerBuilder.forAddress(this.host.at(port))
                // Store calls block on JDBC: run them on the blocking pool, never on the event loop.
                .executor(blocking)
                .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
                .addService(authenticated(tenants, authentication))
                .addService(authenticated(clusters, authentication))
                .addService(authenticated(services, authentication))
                .addService(authenticated(policies, authentication))
                .addService(authenticated(tokens, authentication))
                .addService(authenticated(audit, authentication))
                .addService(authenticated(status, authentication))
                .addService(authenticated(trust, authentication))
                .addService(ProtoReflectionServiceV1.newInstance())
                .addService(ProtoReflectionService.newInstance())
                .addService(health.getHealthService())
                .build();
    }

    @Override
    public void onApplicationEvent(StartupEvent event) {
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("The gRPC management API could not listen on " + host.value() + " port "
                    + configuredPort + ": free the port or set fedmesh.api.grpc.port (FEDMESH_API_GRPC_PORT), or set "
                    + HOST_PROPERTY + " (FEDMESH_API_GRPC_HOST) to an address of this machine", e);
        }
        health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
        SERVICES.forEach(service -> health.setStatus(service, ServingStatus.SERVING));
        LOG.info("gRPC management API listening on {} (services {}, reflection, health)", address(), SERVICES);
    }

    /** The port the server listens on; meaningful once the context has started. */
    public int port() {
        return server.getPort();
    }

    /**
     * Where the server listens, {@code host:port}: the configured address ({@code 127.0.0.1:9090}, or
     * {@code 0.0.0.0:9090} for every interface); meaningful once the context has started.
     */
    public String address() {
        String shown = host.address().getHostAddress();
        return (shown.contains(":") ? "[" + shown + "]" : shown) + ":" + port();
    }

    @PreDestroy
    void stop() throws InterruptedException {
        health.enterTerminalState();
        server.shutdown();
        if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
            server.shutdownNow();
        }
    }

    private static ServerServiceDefinition authenticated(BindableService service, BearerTokenInterceptor interceptor) {
        return ServerInterceptors.intercept(service, interceptor);
    }
}

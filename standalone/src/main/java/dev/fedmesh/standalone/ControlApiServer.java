package dev.fedmesh.standalone;

import dev.fedmesh.controlapi.grpc.ManagementGrpcServer;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;

import java.net.URI;
import java.util.HashMap;
import java.util.Map;

/**
 * control-api inside this JVM: the same Micronaut service the runnable jar starts, its REST and
 * gRPC ports on loopback only.
 */
public final class ControlApiServer implements AutoCloseable {
    private final ApplicationContext context;
    private final EmbeddedServer server;

    private ControlApiServer(ApplicationContext context, EmbeddedServer server) {
        this.context = context;
        this.server = server;
    }

    public static ControlApiServer start(String jdbcUrl, String username, String password, String adminToken, int port,
                                         int grpcPort) {
        Map<String, Object> properties = new HashMap<>();
        properties.put("micronaut.server.port", port);
        properties.put("fedmesh.api.grpc.port", grpcPort);
        properties.put("micronaut.server.host", "127.0.0.1");
        properties.put("fedmesh.api.grpc.host", "127.0.0.1");
        properties.put("datasources.default.url", jdbcUrl);
        properties.put("datasources.default.username", username);
        properties.put("datasources.default.password", password);
        properties.put("fedmesh.api.admin-token", adminToken);
        ApplicationContext context = ApplicationContext.builder()
                .deduceEnvironment(false)
                .properties(properties)
                .start();
        EmbeddedServer server = context.getBean(EmbeddedServer.class);
        server.start();
        return new ControlApiServer(context, server);
    }

    public URI url() {
        return server.getURI();
    }

    /** Where the gRPC management API listens (host:port). */
    public String grpcAddress() {
        return context.getBean(ManagementGrpcServer.class).address();
    }

    @Override
    public void close() {
        server.stop();
        context.close();
    }
}

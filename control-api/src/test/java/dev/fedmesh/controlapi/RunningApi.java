package dev.fedmesh.controlapi;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fedmesh.controlapi.grpc.ManagementGrpcServer;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.testing.TestDatabase;
import dev.fedmesh.testing.TestPostgres;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

import java.net.URI;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import static dev.fedmesh.db.jooq.Tables.API_TOKENS;
import static dev.fedmesh.db.jooq.Tables.AUDIT_LOG;
import static dev.fedmesh.db.jooq.Tables.CLUSTERS;
import static dev.fedmesh.db.jooq.Tables.OUTBOX;
import static dev.fedmesh.db.jooq.Tables.POLICIES;
import static dev.fedmesh.db.jooq.Tables.SERVICES;
import static dev.fedmesh.db.jooq.Tables.TENANTS;

/**
 * control-api running on its own real PostgreSQL database, called over plain HTTP as curl would
 * call it, so that tests see exactly what users see.
 */
public final class RunningApi implements AutoCloseable {
    /** The operator's admin token of this service. */
    public final String adminToken = "test-admin-token-" + UUID.randomUUID();
    /** The service's database, for checking what was (not) written. */
    public final DSLContext db;
    private final ApplicationContext context;
    private final URI base;
    private final RestClient rest;

    private RunningApi(TestDatabase database, Map<String, Object> settings) {
        Map<String, Object> properties = new HashMap<>(settings);
        properties.put("micronaut.server.port", 0);
        properties.put("fedmesh.api.grpc.port", 0);
        properties.put("datasources.default.url", database.jdbcUrl());
        properties.put("datasources.default.username", database.username());
        properties.put("datasources.default.password", database.password());
        properties.put("fedmesh.api.admin-token", adminToken);
        context = ApplicationContext.builder().deduceEnvironment(false).properties(properties).start();
        base = context.getBean(EmbeddedServer.class).start().getURI();
        rest = new RestClient(base, adminToken);
        db = DSL.using(database.dataSource(), SQLDialect.POSTGRES);
    }

    /** Starts the service with these properties on top of application.yml. */
    public static RunningApi start(Class<?> testClass, Map<String, Object> settings) {
        return new RunningApi(TestPostgres.newDatabase(testClass), settings);
    }

    /** Starts the service on {@code database}, e.g. on a PostgreSQL server the test stops, with these properties. */
    public static RunningApi start(TestDatabase database, Map<String, Object> settings) {
        return new RunningApi(database, settings);
    }

    /** Where the REST API is served, e.g. {@code http://127.0.0.1:41234}. */
    public URI base() {
        return base;
    }

    /** A bean of the running service, for looking at what it holds (its connection pool, its meters). */
    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    /** A curl-like client acting as the operator. */
    public RestClient operator() {
        return new RestClient(base, adminToken);
    }

    /** The port of the gRPC management API. */
    public int grpcPort() {
        return context.getBean(ManagementGrpcServer.class).port();
    }

    /** A new tenant with a random name, created by the operator. */
    public String newTenant() {
        String tenant = "t-" + UUID.randomUUID().toString().substring(0, 8);
        HttpResponse<String> created = send(adminToken, "POST", "/api/v1/tenants", "{\"name\": \"" + tenant + "\"}");
        if (created.statusCode() != 201) {
            throw new IllegalStateException("creating tenant " + tenant + " answered " + created.body());
        }
        return tenant;
    }

    /** Mints a token as {@code by} and returns its secret. */
    public String mint(String by, String tenant, String name, String role) {
        HttpResponse<String> minted = send(by, "POST", "/api/v1/tenants/" + tenant + "/tokens",
                "{\"name\": \"" + name + "\", \"role\": \"" + role + "\"}");
        if (minted.statusCode() != 201) {
            throw new IllegalStateException("minting a " + role + " token answered " + minted.body());
        }
        return json(minted).get("token").asText();
    }

    /** One call as {@code bearer}, held to the served OpenAPI document like every {@link RestClient} call. */
    public HttpResponse<String> send(String bearer, String method, String path, String body) {
        return rest.send(method, path, body, "application/json", bearer);
    }

    /** How many rows of each kind the database holds, and the sum of all tenants' revisions. */
    public Map<String, Integer> rowCounts() {
        return Map.of(
                "tenants", db.fetchCount(TENANTS),
                "revisions", db.select(DSL.sum(TENANTS.REVISION)).from(TENANTS).fetchOne(0, Integer.class),
                "clusters", db.fetchCount(CLUSTERS),
                "services", db.fetchCount(SERVICES),
                "policies", db.fetchCount(POLICIES),
                "tokens", db.fetchCount(API_TOKENS),
                "outbox", db.fetchCount(OUTBOX),
                "audit", db.fetchCount(AUDIT_LOG));
    }

    public static JsonNode json(HttpResponse<String> response) {
        return PolicyJson.parse(response.body());
    }

    @Override
    public void close() {
        context.close();
    }
}

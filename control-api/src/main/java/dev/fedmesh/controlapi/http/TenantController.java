package dev.fedmesh.controlapi.http;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fedmesh.controlapi.auth.Access;
import dev.fedmesh.controlapi.auth.Permission;
import dev.fedmesh.controlapi.auth.Principal;
import dev.fedmesh.controlapi.store.Tenant;
import dev.fedmesh.controlapi.store.TenantStore;
import dev.fedmesh.policy.document.JsonObjectReader;
import dev.fedmesh.policy.document.Names;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.document.Violation;
import dev.fedmesh.controlapi.http.openapi.Schemas;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.parameters.RequestBody;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/** Tenants: {@code /api/v1/tenants}. */
@Tag(name = "Tenants")
@Controller("/api/v1/tenants")
@ExecuteOn(TaskExecutors.BLOCKING)
public class TenantController {
    private static final Logger LOG = LoggerFactory.getLogger(TenantController.class);
    private final TenantStore tenants;

    public TenantController(TenantStore tenants) {
        this.tenants = tenants;
    }

    @Post
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "createTenant", summary = "Creates a tenant (operator only).")
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Schemas.Tenant.class)))
    @ApiResponse(responseCode = "201", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Schemas.Tenant.class)))
    @ProblemResponses
    public HttpResponse<String> create(Principal principal, @Body String body) {
        Access.requireOperator(principal);
        List<Violation> violations = new ArrayList<>();
        JsonObjectReader reader = JsonObjectReader.root(PolicyJson.parse(body), violations);
        String name = reader.requiredString("name");
        if (name != null && !Names.isValid(name)) {
            reader.reject("name", "'" + name + "' " + Names.RULE);
        }
        String trustDomain = reader.optionalString("trustDomain");
        reader.rejectUnknownFields();
        if (!violations.isEmpty()) {
            throw ApiException.invalid(violations);
        }
        Tenant tenant = tenants.create(name, trustDomain);
        return JsonResponses.json(HttpStatus.CREATED, write(tenant))
                .header("Location", "/api/v1/tenants/" + tenant.name());
    }

    @Get("/{tenant}")
    @Operation(operationId = "getTenant", summary = "Reads a tenant and its revision.")
    @ApiResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Schemas.Tenant.class)))
    @ProblemResponses
    public HttpResponse<String> get(Principal principal, String tenant) {
        Access.require(principal, tenant, Permission.READ);
        return JsonResponses.ok(write(tenants.require(tenant)));
    }

    @Delete("/{tenant}")
    @Operation(operationId = "deleteTenant", summary = "Deletes a tenant and everything it owns (operator only); its"
            + " agents lose their Kafka access and its topics are deleted by the distributors' sweep.")
    @ApiResponse(responseCode = "204", description = "deleted")
    @ProblemResponses
    public HttpResponse<String> delete(Principal principal, String tenant) {
        Access.requireOperator(principal);
        Tenant deleted = tenants.delete(tenant);
        LOG.info("tenant={} deleted by {} at revision {} (trust domain {})", deleted.name(), principal.subject(),
                deleted.revision(), deleted.trustDomain());
        return HttpResponse.noContent();
    }

    static ObjectNode write(Tenant tenant) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("name", tenant.name());
        json.put("trustDomain", tenant.trustDomain());
        json.put("revision", String.valueOf(tenant.revision()));
        json.put("createdAt", tenant.createdAt().toString());
        json.put("updatedAt", tenant.updatedAt().toString());
        return json;
    }
}

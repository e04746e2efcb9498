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
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;

import java.util.ArrayList;
import java.util.List;

/** Tenants: {@code /api/v1/tenants}. */
@Controller("/api/v1/tenants")
@ExecuteOn(TaskExecutors.BLOCKING)
public class TenantController {
    private final TenantStore tenants;

    public TenantController(TenantStore tenants) {
        this.tenants = tenants;
    }

    @Post
    @Consumes(MediaType.APPLICATION_JSON)
    public HttpResponse<String> create(Principal principal, @Body String body) {
        Access.requireOperator(principal);
        List<Violation> violations = new ArrayList<>();
        JsonObjectReader reader = JsonObjectReader.root(PolicyJson.parse(body), violations);
        String name = reader.requiredString("name");
        if (name != null && !Names.isValid(name)) {
            reader.reject("name", "'" + name + "' " + Names.RULE);
        }
        reader.rejectUnknownFields();
        if (!violations.isEmpty()) {
            throw ApiException.invalid(violations);
        }
        Tenant tenant = tenants.create(name);
        return JsonResponses.json(HttpStatus.CREATED, write(tenant))
                .header("Location", "/api/v1/tenants/" + tenant.name());
    }

    @Get("/{tenant}")
    public HttpResponse<String> get(Principal principal, String tenant) {
        Access.require(principal, tenant, Permission.READ);
        return JsonResponses.ok(write(tenants.require(tenant)));
    }

    static ObjectNode write(Tenant tenant) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("name", tenant.name());
        json.put("revision", String.valueOf(tenant.revision()));
        json.put("createdAt", tenant.createdAt().toString());
        json.put("updatedAt", tenant.updatedAt().toString());
        return json;
    }
}

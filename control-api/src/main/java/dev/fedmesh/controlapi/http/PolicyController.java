package dev.fedmesh.controlapi.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fedmesh.controlapi.auth.Access;
import dev.fedmesh.controlapi.auth.Permission;
import dev.fedmesh.controlapi.auth.Principal;
import dev.fedmesh.controlapi.store.PolicyStore;
import dev.fedmesh.controlapi.store.StoredPolicy;
import dev.fedmesh.controlapi.store.Tenant;
import dev.fedmesh.controlapi.store.TenantStore;
import dev.fedmesh.policy.document.PolicyDocument;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.document.PolicyKinds;
import dev.fedmesh.policy.document.Violation;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Put;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;

import java.util.List;

/** A tenant's policies of every kind: {@code /api/v1/tenants/{tenant}/policies}. */
@Controller("/api/v1/tenants/{tenant}/policies")
@ExecuteOn(TaskExecutors.BLOCKING)
public class PolicyController {
    private final TenantStore tenants;
    private final PolicyStore policies;

    public PolicyController(TenantStore tenants, PolicyStore policies) {
        this.tenants = tenants;
        this.policies = policies;
    }

    /** Creates or replaces the named policy: 201 when created, 200 otherwise. */
    @Put("/{name}")
    @Consumes(MediaType.APPLICATION_JSON)
    public HttpResponse<String> apply(Principal principal, String tenant, String name, @Body String body) {
        Access.require(principal, tenant, Permission.WRITE);
        PolicyDocument document = PolicyJson.read(PolicyJson.parse(body), name);
        PolicyStore.ApplyResult result = tenants.change(tenant, principal.subject(), change -> policies.apply(change, document));
        boolean created = result instanceof PolicyStore.Applied applied && applied.created();
        return JsonResponses.json(created ? HttpStatus.CREATED : HttpStatus.OK, result.policy().toJson());
    }

    @Get("/{name}")
    public HttpResponse<String> get(Principal principal, String tenant, String name) {
        Access.require(principal, tenant, Permission.READ);
        Tenant owner = tenants.require(tenant);
        return JsonResponses.ok(policies.find(owner.id(), name)
                .orElseThrow(() -> ApiException.notFound("Policy '" + name + "'"))
                .toJson());
    }

    @Get
    public HttpResponse<String> list(Principal principal, String tenant, @Nullable @QueryValue String kind) {
        Access.require(principal, tenant, Permission.READ);
        if (kind != null && PolicyKinds.find(kind).isEmpty()) {
            throw ApiException.invalid(List.of(new Violation("kind", "'" + kind + "' is not a policy kind; use one of "
                    + PolicyKinds.names())));
        }
        Tenant owner = tenants.require(tenant);
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        ArrayNode items = json.putArray("items");
        for (StoredPolicy policy : policies.list(owner.id(), kind)) {
            items.add(policy.toJson());
        }
        return JsonResponses.ok(json);
    }

    @Delete("/{name}")
    public HttpResponse<Void> delete(Principal principal, String tenant, String name) {
        Access.require(principal, tenant, Permission.WRITE);
        tenants.change(tenant, principal.subject(), change -> {
            policies.delete(change, name);
            return Boolean.TRUE;
        });
        return HttpResponse.noContent();
    }
}

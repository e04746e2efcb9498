package dev.fedmesh.controlapi.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fedmesh.controlapi.auth.Access;
import dev.fedmesh.controlapi.auth.Permission;
import dev.fedmesh.controlapi.auth.Principal;
import dev.fedmesh.controlapi.store.AuditEntry;
import dev.fedmesh.controlapi.store.AuditStore;
import dev.fedmesh.controlapi.store.Page;
import dev.fedmesh.controlapi.store.Tenant;
import dev.fedmesh.controlapi.store.TenantStore;
import dev.fedmesh.policy.document.PolicyJson;
import io.micronaut.core.annotation.Nullable;
import dev.fedmesh.controlapi.http.openapi.Schemas;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.parameters.RequestBody;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.micronaut.http.MediaType;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;

/** A tenant's audit log, oldest first: {@code /api/v1/tenants/{tenant}/audit}. */
@Tag(name = "Audit")
@Controller("/api/v1/tenants/{tenant}/audit")
@ExecuteOn(TaskExecutors.BLOCKING)
public class AuditController {
    private final TenantStore tenants;
    private final AuditStore audit;

    public AuditController(TenantStore tenants, AuditStore audit) {
        this.tenants = tenants;
        this.audit = audit;
    }

    /** Entries, optionally about one resource ({@code kind}, {@code name}), a page at a time. */
    @Get
    @Operation(operationId = "listAuditEntries", summary = "Lists audit entries oldest first, optionally about one resource (kind, name).")
    @ApiResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Schemas.AuditPage.class)))
    @ProblemResponses
    public HttpResponse<String> list(Principal principal, String tenant, @Nullable @QueryValue String kind,
                                     @Nullable @QueryValue String name, @Nullable @QueryValue Integer limit,
                                     @Nullable @QueryValue String pageToken) {
        Access.require(principal, tenant, Permission.READ);
        Page page = Page.of(limit, pageToken);
        Tenant owner = tenants.require(tenant);
        return JsonResponses.page(audit.list(owner.id(), kind, name, page), AuditController::write);
    }

    private static JsonNode write(AuditEntry entry) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("id", String.valueOf(entry.id()));
        json.put("revision", String.valueOf(entry.revision()));
        json.put("actor", entry.actor());
        json.put("action", entry.action());
        json.put("resourceKind", entry.resourceKind());
        json.put("resourceName", entry.resourceName());
        if (entry.before() != null) {
            json.set("before", PolicyJson.parse(entry.before()));
        }
        if (entry.after() != null) {
            json.set("after", PolicyJson.parse(entry.after()));
        }
        json.put("at", entry.at().toString());
        return json;
    }
}

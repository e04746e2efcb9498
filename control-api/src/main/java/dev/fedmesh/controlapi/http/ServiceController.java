package dev.fedmesh.controlapi.http;

import dev.fedmesh.controlapi.auth.Access;
import dev.fedmesh.controlapi.auth.Permission;
import dev.fedmesh.controlapi.auth.Principal;
import dev.fedmesh.controlapi.store.Page;
import dev.fedmesh.controlapi.store.ResourceVersions;
import dev.fedmesh.controlapi.store.Service;
import dev.fedmesh.controlapi.store.ServiceStore;
import dev.fedmesh.controlapi.store.Tenant;
import dev.fedmesh.controlapi.store.TenantStore;
import dev.fedmesh.policy.document.JsonObjectReader;
import dev.fedmesh.policy.document.Names;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.document.Violation;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
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
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.Put;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A tenant's services: {@code /api/v1/tenants/{tenant}/services}. */
@Tag(name = "Services")
@Controller("/api/v1/tenants/{tenant}/services")
@ExecuteOn(TaskExecutors.BLOCKING)
public class ServiceController {
    private final TenantStore tenants;
    private final ServiceStore services;

    public ServiceController(TenantStore tenants, ServiceStore services) {
        this.tenants = tenants;
        this.services = services;
    }

    /** Declares (201) or relabels (200) a service: {@code {"labels": {...}}}. */
    @Put("/{name}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "applyService", summary = "Declares (201) or relabels (200) a service.")
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Schemas.Service.class)))
    @ApiResponse(responseCode = "200", description = "relabelled; with dryRun=true what each cluster would get, nothing written", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(anyOf = {Schemas.Service.class, Schemas.DryRun.class})))
    @ApiResponse(responseCode = "201", description = "declared", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Schemas.Service.class)))
    @ProblemResponses
    public HttpResponse<String> apply(Principal principal, String tenant, String name, @Body String body,
                                      @Nullable @Header(HttpHeaders.IF_MATCH) String ifMatch,
                                      @Nullable @QueryValue Boolean dryRun) {
        Access.require(principal, tenant, Permission.WRITE);
        Map<String, String> labels = readLabels(name, body);
        ResourceVersions.Expected expected = ResourceVersions.parse(ifMatch);
        return TenantWrites.perform(tenants, tenant, principal, dryRun, change -> services.apply(change, name, labels, expected),
                applied -> ServiceStore.write(applied.service()),
                applied -> JsonResponses.resource(applied.created() ? HttpStatus.CREATED : HttpStatus.OK,
                        ServiceStore.write(applied.service()), applied.service().resourceVersion()));
    }

    @Get("/{name}")
    @Operation(operationId = "getService", summary = "Reads a service.")
    @ApiResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Schemas.Service.class)))
    @ProblemResponses
    public HttpResponse<String> get(Principal principal, String tenant, String name) {
        Access.require(principal, tenant, Permission.READ);
        Tenant owner = tenants.require(tenant);
        Service service = services.find(owner.id(), name)
                .orElseThrow(() -> ApiException.notFound("Service '" + name + "'"));
        return JsonResponses.resource(HttpStatus.OK, ServiceStore.write(service), service.resourceVersion());
    }

    @Get
    @Operation(operationId = "listServices", summary = "Lists services by name, a page at a time.")
    @ApiResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Schemas.ServicePage.class)))
    @ProblemResponses
    public HttpResponse<String> list(Principal principal, String tenant, @Nullable @QueryValue Integer limit,
                                     @Nullable @QueryValue String pageToken) {
        Access.require(principal, tenant, Permission.READ);
        Page page = Page.of(limit, pageToken);
        Tenant owner = tenants.require(tenant);
        return JsonResponses.page(services.list(owner.id(), page), ServiceStore::write);
    }

    @Delete("/{name}")
    @Operation(operationId = "deleteService", summary = "Deletes a service.")
    @ApiResponse(responseCode = "204", description = "done")
    @ApiResponse(responseCode = "200", description = "dryRun=true: what each cluster would get; nothing was written", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Schemas.DryRun.class)))
    @ProblemResponses
    public HttpResponse<String> delete(Principal principal, String tenant, String name,
                                       @Nullable @Header(HttpHeaders.IF_MATCH) String ifMatch,
                                       @Nullable @QueryValue Boolean dryRun) {
        Access.require(principal, tenant, Permission.WRITE);
        ResourceVersions.Expected expected = ResourceVersions.parse(ifMatch);
        return TenantWrites.delete(tenants, tenant, principal, dryRun, change -> {
            services.delete(change, name, expected);
            return Boolean.TRUE;
        });
    }

    private static Map<String, String> readLabels(String name, String body) {
        List<Violation> violations = new ArrayList<>();
        JsonObjectReader reader = JsonObjectReader.root(PolicyJson.parse(body), violations);
        String bodyName = reader.optionalString("name");
        if (!Names.isValid(name)) {
            violations.add(new Violation("name", "'" + name + "' " + Names.RULE));
        } else if (bodyName != null && !bodyName.equals(name)) {
            reader.reject("name", "'" + bodyName + "' differs from the name in the request path '" + name + "'");
        }
        Map<String, String> labels = reader.labels("labels");
        reader.ignore("resourceVersion");
        reader.ignore("createdAt");
        reader.ignore("updatedAt");
        reader.rejectUnknownFields();
        if (!violations.isEmpty()) {
            throw ApiException.invalid(violations);
        }
        return labels;
    }
}

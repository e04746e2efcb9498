package dev.fedmesh.controlapi.http;

import dev.fedmesh.controlapi.auth.Access;
import dev.fedmesh.controlapi.auth.Permission;
import dev.fedmesh.controlapi.auth.Principal;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fedmesh.controlapi.store.InventoryStore;
import dev.fedmesh.controlapi.store.NotEnforcedJson;
import dev.fedmesh.controlapi.store.Page;
import dev.fedmesh.controlapi.store.PolicyQuery;
import dev.fedmesh.controlapi.store.PolicyStore;
import dev.fedmesh.controlapi.store.ResourceVersions;
import dev.fedmesh.controlapi.store.StoredPolicy;
import dev.fedmesh.controlapi.store.Tenant;
import dev.fedmesh.controlapi.store.TenantChange;
import dev.fedmesh.controlapi.store.TenantStore;
import dev.fedmesh.policy.document.PolicyDocument;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.enforcement.NotEnforced;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import dev.fedmesh.controlapi.http.openapi.PolicySchemas;
import dev.fedmesh.controlapi.http.openapi.Schemas;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.enums.Explode;
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

import java.util.List;
import java.util.function.Function;

/** A tenant's policies of every kind: {@code /api/v1/tenants/{tenant}/policies}. */
@Tag(name = "Policies")
@Controller("/api/v1/tenants/{tenant}/policies")
@ExecuteOn(TaskExecutors.BLOCKING)
public class PolicyController {
    private final TenantStore tenants;
    private final PolicyStore policies;
    private final InventoryStore inventories;

    public PolicyController(TenantStore tenants, PolicyStore policies, InventoryStore inventories) {
        this.tenants = tenants;
        this.policies = policies;
        this.inventories = inventories;
    }

    /**
     * Creates (201) or replaces (200) the named policy; with If-Match, only if it is still at that
     * resourceVersion; with dryRun=true, reports what each cluster would get and writes nothing.
     */
    @Put("/{name}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "applyPolicy", summary = "Creates (201) or replaces (200) a policy of any kind; If-Match refuses a stale write; dryRun=true reports what each cluster would get (DryRun) and writes nothing.")
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = PolicySchemas.Policy.class)))
    @ApiResponse(responseCode = "200", description = "replaced; with dryRun=true what each cluster would get, nothing written", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(anyOf = {PolicySchemas.Policy.class, Schemas.DryRun.class})))
    @ApiResponse(responseCode = "201", description = "created", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = PolicySchemas.Policy.class)))
    @ProblemResponses
    public HttpResponse<String> apply(Principal principal, String tenant, String name, @Body String body,
                                      @Nullable @Header(HttpHeaders.IF_MATCH) String ifMatch,
                                      @Nullable @QueryValue Boolean dryRun) {
        Access.require(principal, tenant, Permission.WRITE);
        PolicyDocument document = PolicyJson.read(PolicyJson.parse(body), name);
        ResourceVersions.Expected expected = ResourceVersions.parse(ifMatch);
        Function<TenantChange, PolicyStore.ApplyResult> work = change -> policies.apply(change, document, expected);
        if (Boolean.TRUE.equals(dryRun)) {
            TenantStore.Preview<PolicyStore.ApplyResult> preview = tenants.preview(tenant, principal.subject(), work);
            List<NotEnforced> warnings = notEnforced(tenant, document);
            ObjectNode json = JsonResponses.previewJson(preview, preview.result().policy().toJson());
            return WarningHeaders.add(JsonResponses.ok(withWarnings(json, warnings)), warnings);
        }
        PolicyStore.ApplyResult result = tenants.change(tenant, principal.subject(), work);
        List<NotEnforced> warnings = notEnforced(tenant, document);
        boolean created = result instanceof PolicyStore.Applied applied && applied.created();
        return WarningHeaders.add(JsonResponses.resource(created ? HttpStatus.CREATED : HttpStatus.OK,
                withWarnings(result.policy().toJson(), warnings), result.policy().resourceVersion()), warnings);
    }

    @Get("/{name}")
    @Operation(operationId = "getPolicy", summary = "Reads a policy; its ETag is its resourceVersion.")
    @ApiResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = PolicySchemas.Policy.class)))
    @ProblemResponses
    public HttpResponse<String> get(Principal principal, String tenant, String name) {
        Access.require(principal, tenant, Permission.READ);
        Tenant owner = tenants.require(tenant);
        StoredPolicy policy = policies.find(owner.id(), name)
                .orElseThrow(() -> ApiException.notFound("Policy '" + name + "'"));
        List<NotEnforced> warnings = inventories.notEnforced(owner.id(), policy.document());
        return WarningHeaders.add(JsonResponses.resource(HttpStatus.OK, withWarnings(policy.toJson(), warnings),
                policy.resourceVersion()), warnings);
    }

    /** Lists by name, filtered by {@code kind}, {@code target} (a service) and {@code label=k=v}, a page at a time. */
    @Get
    @Operation(operationId = "listPolicies", summary = "Lists policies by name, filtered by kind, target service and label=<k>=<v>, a page at a time.")
    @ApiResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Schemas.PolicyPage.class)))
    @ProblemResponses
    public HttpResponse<String> list(Principal principal, String tenant, @Nullable @QueryValue String kind,
                                     @Nullable @QueryValue String target, @Nullable @Parameter(explode = Explode.TRUE) @QueryValue List<String> label,
                                     @Nullable @QueryValue Integer limit, @Nullable @QueryValue String pageToken) {
        Access.require(principal, tenant, Permission.READ);
        PolicyQuery query = new PolicyQuery(kind, target, Queries.labels(label), Page.of(limit, pageToken));
        Tenant owner = tenants.require(tenant);
        return JsonResponses.page(policies.list(owner.id(), query), StoredPolicy::toJson);
    }

    /** What the data plane does not enforce of {@code document}, by the tenant's clusters' last inventories. */
    private List<NotEnforced> notEnforced(String tenant, PolicyDocument document) {
        return inventories.notEnforced(tenants.require(tenant).id(), document);
    }

    /** {@code body} with {@code warnings} added when there are any. */
    private static ObjectNode withWarnings(ObjectNode body, List<NotEnforced> warnings) {
        if (!warnings.isEmpty()) {
            body.set("warnings", NotEnforcedJson.write(warnings, false));
        }
        return body;
    }

    @Delete("/{name}")
    @Operation(operationId = "deletePolicy", summary = "Deletes a policy; If-Match refuses a stale delete; dryRun=true writes nothing.")
    @ApiResponse(responseCode = "204", description = "done")
    @ApiResponse(responseCode = "200", description = "dryRun=true: what each cluster would get; nothing was written", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Schemas.DryRun.class)))
    @ProblemResponses
    public HttpResponse<String> delete(Principal principal, String tenant, String name,
                                       @Nullable @Header(HttpHeaders.IF_MATCH) String ifMatch,
                                       @Nullable @QueryValue Boolean dryRun) {
        Access.require(principal, tenant, Permission.WRITE);
        ResourceVersions.Expected expected = ResourceVersions.parse(ifMatch);
        return TenantWrites.delete(tenants, tenant, principal, dryRun, change -> policies.delete(change, name, expected));
    }
}

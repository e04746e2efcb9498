package dev.fedmesh.controlapi.http;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fedmesh.controlapi.auth.Access;
import dev.fedmesh.controlapi.auth.Permission;
import dev.fedmesh.controlapi.auth.Principal;
import dev.fedmesh.controlapi.store.Cluster;
import dev.fedmesh.controlapi.store.ClusterJson;
import dev.fedmesh.controlapi.store.ClusterSpec;
import dev.fedmesh.controlapi.store.ClusterStore;
import dev.fedmesh.controlapi.store.Page;
import dev.fedmesh.controlapi.store.ResourceVersions;
import dev.fedmesh.controlapi.store.Tenant;
import dev.fedmesh.controlapi.store.TenantStore;
import io.micronaut.core.annotation.Nullable;
import dev.fedmesh.controlapi.http.openapi.Schemas;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.enums.Explode;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.parameters.RequestBody;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Put;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;

import java.util.List;

/** A tenant's clusters: {@code /api/v1/tenants/{tenant}/clusters}. */
@Tag(name = "Clusters")
@Controller("/api/v1/tenants/{tenant}/clusters")
@ExecuteOn(TaskExecutors.BLOCKING)
public class ClusterController {
    private final TenantStore tenants;
    private final ClusterStore clusters;

    public ClusterController(TenantStore tenants, ClusterStore clusters) {
        this.tenants = tenants;
        this.clusters = clusters;
    }

    /** Registers a cluster; the answer carries its agent's bootstrap credential, shown this once. */
    @Post
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "registerCluster", summary = "Registers a cluster; the answer carries its agent's bootstrap credential, shown once. dryRun=true writes nothing.")
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Schemas.Cluster.class)))
    @ApiResponse(responseCode = "201", description = "registered, with the agent's bootstrapCredential", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Schemas.Cluster.class)))
    @ApiResponse(responseCode = "200", description = "dryRun=true: what each cluster would get; nothing was written", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Schemas.DryRun.class)))
    @ProblemResponses
    public HttpResponse<String> create(Principal principal, String tenant, @Body String body,
                                       @Nullable @QueryValue Boolean dryRun) {
        Access.require(principal, tenant, Permission.WRITE);
        ClusterSpec spec = ClusterJson.read(body);
        return TenantWrites.perform(tenants, tenant, principal, dryRun, change -> clusters.create(change, spec),
                registered -> ClusterJson.write(registered.cluster()),
                registered -> {
                    ObjectNode json = ClusterJson.write(registered.cluster());
                    json.put("bootstrapCredential", registered.bootstrapCredential());
                    return JsonResponses.resource(HttpStatus.CREATED, json, registered.cluster().resourceVersion())
                            .header("Location", "/api/v1/tenants/" + tenant + "/clusters/" + registered.cluster().name());
                });
    }

    /** Replaces a registered cluster's region, zone, network, east-west gateway and labels. */
    @Put("/{name}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "replaceCluster", summary = "Replaces a registered cluster's region, zone, network, east-west gateway and labels; If-Match refuses a stale write; dryRun=true writes nothing.")
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Schemas.Cluster.class)))
    @ApiResponse(responseCode = "200", description = "replaced; with dryRun=true what each cluster would get, nothing written", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(anyOf = {Schemas.Cluster.class, Schemas.DryRun.class})))
    @ProblemResponses
    public HttpResponse<String> replace(Principal principal, String tenant, String name, @Body String body,
                                        @Nullable @Header(HttpHeaders.IF_MATCH) String ifMatch,
                                        @Nullable @QueryValue Boolean dryRun) {
        Access.require(principal, tenant, Permission.WRITE);
        ClusterSpec spec = ClusterJson.read(body, name);
        ResourceVersions.Expected expected = ResourceVersions.parse(ifMatch);
        return TenantWrites.perform(tenants, tenant, principal, dryRun, change -> clusters.replace(change, spec, expected),
                replaced -> ClusterJson.write(replaced.cluster()),
                replaced -> JsonResponses.resource(HttpStatus.OK, ClusterJson.write(replaced.cluster()),
                        replaced.cluster().resourceVersion()));
    }

    /** Deregisters a cluster; its agent keeps serving the last config it had. */
    @Delete("/{name}")
    @Operation(operationId = "deleteCluster", summary = "Deregisters a cluster; its agent gets no further config and keeps the last one it had.")
    @ApiResponse(responseCode = "204", description = "done")
    @ApiResponse(responseCode = "200", description = "dryRun=true: what each cluster would get; nothing was written", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Schemas.DryRun.class)))
    @ProblemResponses
    public HttpResponse<String> delete(Principal principal, String tenant, String name,
                                       @Nullable @Header(HttpHeaders.IF_MATCH) String ifMatch,
                                       @Nullable @QueryValue Boolean dryRun) {
        Access.require(principal, tenant, Permission.WRITE);
        ResourceVersions.Expected expected = ResourceVersions.parse(ifMatch);
        return TenantWrites.delete(tenants, tenant, principal, dryRun, change -> clusters.delete(change, name, expected));
    }

    /** Issues a new bootstrap credential for the cluster's agent; the old one stops working. */
    @Post("/{name}/bootstrap-credential")
    @Operation(operationId = "reissueBootstrapCredential", summary = "Issues a new bootstrap credential for a cluster's agent; the old one stops working.")
    @ApiResponse(responseCode = "201", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Schemas.BootstrapCredential.class)))
    @ProblemResponses
    public HttpResponse<String> reissueBootstrapCredential(Principal principal, String tenant, String name) {
        Access.require(principal, tenant, Permission.WRITE);
        String credential = tenants.change(tenant, principal.subject(),
                change -> clusters.reissueBootstrapCredential(change, name));
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("cluster", name);
        json.put("bootstrapCredential", credential);
        return JsonResponses.json(HttpStatus.CREATED, json);
    }

    @Get
    @Operation(operationId = "listClusters", summary = "Lists clusters by name, optionally with label=<k>=<v>, a page at a time.")
    @ApiResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Schemas.ClusterPage.class)))
    @ProblemResponses
    public HttpResponse<String> list(Principal principal, String tenant, @Nullable @Parameter(explode = Explode.TRUE) @QueryValue List<String> label,
                                     @Nullable @QueryValue Integer limit, @Nullable @QueryValue String pageToken) {
        Access.require(principal, tenant, Permission.READ);
        Page page = Page.of(limit, pageToken);
        Tenant owner = tenants.require(tenant);
        return JsonResponses.page(clusters.list(owner.id(), Queries.labels(label), page), ClusterJson::write);
    }

    @Get("/{name}")
    @Operation(operationId = "getCluster", summary = "Reads a cluster.")
    @ApiResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Schemas.Cluster.class)))
    @ProblemResponses
    public HttpResponse<String> get(Principal principal, String tenant, String name) {
        Access.require(principal, tenant, Permission.READ);
        Tenant owner = tenants.require(tenant);
        Cluster cluster = clusters.find(owner.id(), name)
                .orElseThrow(() -> ApiException.notFound("Cluster '" + name + "'"));
        return JsonResponses.resource(HttpStatus.OK, ClusterJson.write(cluster), cluster.resourceVersion());
    }
}

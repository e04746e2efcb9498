package dev.fedmesh.controlapi.http;

import dev.fedmesh.controlapi.auth.Access;
import dev.fedmesh.controlapi.auth.Permission;
import dev.fedmesh.controlapi.auth.Principal;
import dev.fedmesh.controlapi.store.Page;
import dev.fedmesh.controlapi.store.Tenant;
import dev.fedmesh.controlapi.store.TenantStore;
import dev.fedmesh.controlapi.trust.RootRotation;
import dev.fedmesh.controlapi.trust.RootRotationJson;
import dev.fedmesh.controlapi.trust.RootRotationStore;
import dev.fedmesh.policy.document.JsonObjectReader;
import dev.fedmesh.policy.document.PolicyJson;
import dev.fedmesh.policy.document.Violation;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.parameters.RequestBody;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;

import java.util.ArrayList;
import java.util.List;

/** Root rotations of a tenant's trust domain: {@code /api/v1/tenants/{tenant}/trust/root-rotations}. */
@Tag(name = "Trust")
@Controller("/api/v1/tenants/{tenant}/trust/root-rotations")
@ExecuteOn(TaskExecutors.BLOCKING)
public class RootRotationController {
    private final TenantStore tenants;
    private final RootRotationStore rotations;

    public RootRotationController(TenantStore tenants, RootRotationStore rotations) {
        this.tenants = tenants;
        this.rotations = rotations;
    }

    /** Starts a rotation; the distributor makes the new root and moves it through its stages. */
    @Post
    @Operation(operationId = "startRootRotation", summary = "Starts a rotation of the tenant's root: a new root joins every"
            + " cluster's bundle, intermediates are re-issued under it, then the old root is retired, each step once every"
            + " reporting cluster has the previous one applied. 409 rotation_in_progress while one is open.")
    @RequestBody(required = false, description = "none: no body, or an empty object",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = "object")))
    @ApiResponse(responseCode = "202", description = "started, in stage requested; Location names it",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RootRotationSchema.class)))
    @ProblemResponses
    public HttpResponse<String> start(Principal principal, String tenant) {
        Access.require(principal, tenant, Permission.WRITE);
        RootRotation started = rotations.start(tenant, principal.subject());
        return JsonResponses.json(HttpStatus.ACCEPTED, RootRotationJson.write(started))
                .header(HttpHeaders.LOCATION, "/api/v1/tenants/" + tenant + "/trust/root-rotations/" + started.id());
    }

    /** Tells an open rotation not to wait for the named clusters; owners only. */
    @Post("/{id}/skips")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "skipRootRotationClusters", summary = "Tells an open rotation not to wait for the named"
            + " clusters (e.g. ones that are down), with an audit entry; a skipped cluster catches up when its agent"
            + " returns. Owner tokens only. 409 rotation_finished once done or failed.")
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = SkipsSchema.class)))
    @ApiResponse(responseCode = "200", description = "the rotation, the clusters skipped included",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RootRotationSchema.class)))
    @ProblemResponses
    public HttpResponse<String> skip(Principal principal, String tenant, String id, @Body String body) {
        Access.requireOwner(principal, tenant, RootRotationStore.SKIP);
        List<Violation> violations = new ArrayList<>();
        JsonObjectReader reader = JsonObjectReader.root(PolicyJson.parse(body), violations);
        if (!reader.has("clusters")) {
            reader.reject("clusters", "is required: an array of registered cluster names, e.g. [\"east\"]");
        }
        List<String> clusters = reader.strings("clusters");
        reader.rejectUnknownFields();
        if (!violations.isEmpty()) {
            throw ApiException.invalid(violations);
        }
        return JsonResponses.ok(RootRotationJson.write(rotations.skip(tenant, id, clusters, principal.subject())));
    }

    @Get
    @Operation(operationId = "listRootRotations", summary = "Lists the tenant's root rotations, newest first, a page at a time.")
    @ApiResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RootRotationPageSchema.class)))
    @ProblemResponses
    public HttpResponse<String> list(Principal principal, String tenant, @Nullable @QueryValue Integer limit,
                                     @Nullable @QueryValue String pageToken) {
        Access.require(principal, tenant, Permission.READ);
        Page page = Page.of(limit, pageToken);
        Tenant owner = tenants.require(tenant);
        return JsonResponses.page(rotations.list(owner, page), RootRotationJson::write);
    }

    @Get("/{id}")
    @Operation(operationId = "getRootRotation", summary = "Reads a root rotation with every registered cluster's progress"
            + " through its current stage.")
    @ApiResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RootRotationSchema.class)))
    @ProblemResponses
    public HttpResponse<String> get(Principal principal, String tenant, String id) {
        Access.require(principal, tenant, Permission.READ);
        return JsonResponses.ok(RootRotationJson.write(rotations.require(tenants.require(tenant), id)));
    }

    /** The shape of one cluster's progress, for the OpenAPI document. */
    @Schema(name = "RootRotationCluster", requiredProperties = {"cluster", "appliedRevision", "svidRootSha256", "intermediateNotAfter", "lastHeartbeat", "reporting", "stageApplied", "skipped"})
    public record ClusterSchema(@Schema(example = "east") String cluster,
                                @Schema(nullable = true, description = "the revision the agent last reported applied; null before any") String appliedRevision,
                                @Schema(nullable = true, description = "SHA-256 (hex) of the root the agent's intermediate and SVIDs chain to; null while it holds none") String svidRootSha256,
                                @Schema(nullable = true, description = "the agent's intermediate's expiry, as it reported it") String intermediateNotAfter,
                                @Schema(nullable = true, description = "when its last report arrived; null when it never reported") String lastHeartbeat,
                                @Schema(description = "the agent has reported; a rotation waits only for reporting clusters") boolean reporting,
                                @Schema(description = "appliedRevision >= stageRevision, and in stage reissue also svidRootSha256 = newRootSha256") boolean stageApplied,
                                @Schema(description = "an owner told the rotation not to wait for it; it catches up when its agent returns") boolean skipped) {
    }

    /** The shape of a request to skip clusters, for the OpenAPI document. */
    @Schema(name = "RootRotationSkips", requiredProperties = {"clusters"})
    public record SkipsSchema(@Schema(example = "[\"east\"]", description = "registered clusters of the tenant;"
            + " one already skipped changes nothing") List<String> clusters) {
    }

    /** The shape of the summary, for the OpenAPI document. */
    @Schema(name = "RootRotationSummary", requiredProperties = {"clusters", "reporting", "stageApplied", "waitingFor", "skipped"})
    public record SummarySchema(int clusters, int reporting, int stageApplied,
                                @Schema(description = "the reporting clusters the current stage still waits for") List<String> waitingFor,
                                @Schema(description = "the clusters the rotation was told not to wait for") List<String> skipped) {
    }

    /** The shape of a rotation, for the OpenAPI document. */
    @Schema(name = "RootRotation", requiredProperties = {"id", "tenant", "stage", "oldRootSha256", "newRootSha256", "stageRevision", "stageSince", "requestedBy", "requestedAt", "finishedAt", "error", "clusters", "summary"})
    public record RootRotationSchema(String id, @Schema(example = "acme") String tenant,
                                     @Schema(allowableValues = {"requested", "bundle", "reissue", "retire", "done", "failed"}) String stage,
                                     @Schema(nullable = true, description = "SHA-256 (hex) of the root being replaced; null while requested") String oldRootSha256,
                                     @Schema(nullable = true, description = "SHA-256 (hex) of the new root; null while requested") String newRootSha256,
                                     @Schema(nullable = true, description = "the tenant revision carrying the current stage's change; null while requested") String stageRevision,
                                     String stageSince, @Schema(example = "admin") String requestedBy, String requestedAt,
                                     @Schema(nullable = true, description = "set once done or failed") String finishedAt,
                                     @Schema(nullable = true, description = "why it failed") String error,
                                     List<ClusterSchema> clusters, SummarySchema summary) {
    }

    /** The shape of a page of rotations, for the OpenAPI document. */
    @Schema(name = "RootRotationPage", requiredProperties = {"items"})
    public record RootRotationPageSchema(List<RootRotationSchema> items,
                                         @Schema(description = "absent on the last page") String nextPageToken) {
    }
}

package dev.fedmesh.controlapi.http;

import dev.fedmesh.controlapi.auth.Access;
import dev.fedmesh.controlapi.auth.Permission;
import dev.fedmesh.controlapi.auth.Principal;
import dev.fedmesh.controlapi.federation.FailoverPreviewJson;
import dev.fedmesh.controlapi.federation.FailoverPreviewStore;
import dev.fedmesh.controlapi.http.openapi.Schemas;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.enums.Explode;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;

import java.util.List;

/** "What if east went down": {@code /api/v1/tenants/{tenant}/services/{name}/failover-preview}. */
@Tag(name = "Services")
@Controller("/api/v1/tenants/{tenant}/services/{name}/failover-preview")
@ExecuteOn(TaskExecutors.BLOCKING)
public class FailoverPreviewController {
    private final FailoverPreviewStore previews;

    public FailoverPreviewController(FailoverPreviewStore previews) {
        this.previews = previews;
    }

    @Get
    @Operation(operationId = "previewFailover", summary = "Where the service's traffic from each cluster would go, in"
            + " order, with the clusters and localities in down taken down, by the function the agents run, from each"
            + " cluster's last inventory; changes nothing.")
    @ApiResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Schemas.FailoverPreview.class)))
    @ProblemResponses
    public HttpResponse<String> preview(Principal principal, String tenant, String name,
                                        @Parameter(explode = Explode.TRUE, description = "repeatable: a cluster (east), region:<region> or"
                                                + " zone:<region>/<zone>; each must name a registered cluster")
                                        @Nullable @QueryValue List<String> down) {
        Access.require(principal, tenant, Permission.READ);
        return JsonResponses.ok(FailoverPreviewJson.write(previews.preview(tenant, name, down == null ? List.of() : down)));
    }
}

package dev.fedmesh.controlapi.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fedmesh.controlapi.auth.Access;
import dev.fedmesh.controlapi.auth.Permission;
import dev.fedmesh.controlapi.auth.Principal;
import dev.fedmesh.controlapi.store.Cluster;
import dev.fedmesh.controlapi.store.ClusterJson;
import dev.fedmesh.controlapi.store.ClusterSpec;
import dev.fedmesh.controlapi.store.ClusterStore;
import dev.fedmesh.controlapi.store.Tenant;
import dev.fedmesh.controlapi.store.TenantStore;
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

/** A tenant's clusters: {@code /api/v1/tenants/{tenant}/clusters}. */
@Controller("/api/v1/tenants/{tenant}/clusters")
@ExecuteOn(TaskExecutors.BLOCKING)
public class ClusterController {
    private final TenantStore tenants;
    private final ClusterStore clusters;

    public ClusterController(TenantStore tenants, ClusterStore clusters) {
        this.tenants = tenants;
        this.clusters = clusters;
    }

    @Post
    @Consumes(MediaType.APPLICATION_JSON)
    public HttpResponse<String> create(Principal principal, String tenant, @Body String body) {
        Access.require(principal, tenant, Permission.WRITE);
        ClusterSpec spec = ClusterJson.read(body);
        Cluster cluster = tenants.change(tenant, principal.subject(), change -> clusters.create(change, spec));
        return JsonResponses.json(HttpStatus.CREATED, ClusterJson.write(cluster))
                .header("Location", "/api/v1/tenants/" + tenant + "/clusters/" + cluster.name());
    }

    @Get
    public HttpResponse<String> list(Principal principal, String tenant) {
        Access.require(principal, tenant, Permission.READ);
        Tenant owner = tenants.require(tenant);
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        ArrayNode items = json.putArray("items");
        clusters.list(owner.id()).forEach(cluster -> items.add(ClusterJson.write(cluster)));
        return JsonResponses.ok(json);
    }

    @Get("/{name}")
    public HttpResponse<String> get(Principal principal, String tenant, String name) {
        Access.require(principal, tenant, Permission.READ);
        Tenant owner = tenants.require(tenant);
        Cluster cluster = clusters.find(owner.id(), name)
                .orElseThrow(() -> ApiException.notFound("Cluster '" + name + "'"));
        return JsonResponses.ok(ClusterJson.write(cluster));
    }
}

package dev.fedmesh.controlapi.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fedmesh.controlapi.store.Page;
import dev.fedmesh.controlapi.store.ResourceVersions;
import dev.fedmesh.controlapi.store.TenantStore;
import dev.fedmesh.policy.compiler.ConfigDiff;
import dev.fedmesh.policy.document.PolicyJson;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;

import java.util.List;
import java.util.function.Function;

/** Successful JSON answers: single resources with their ETag, pages, and dry-run previews. */
final class JsonResponses {
    private JsonResponses() {
    }

    static MutableHttpResponse<String> json(HttpStatus status, JsonNode body) {
        return HttpResponse.<String>status(status).contentType(MediaType.APPLICATION_JSON_TYPE).body(PolicyJson.toText(body));
    }

    static MutableHttpResponse<String> ok(JsonNode body) {
        return json(HttpStatus.OK, body);
    }

    /** A resource, with its resourceVersion as the ETag to send back in If-Match. */
    static MutableHttpResponse<String> resource(HttpStatus status, JsonNode body, long resourceVersion) {
        return json(status, body).header(HttpHeaders.ETAG, ResourceVersions.etag(resourceVersion));
    }

    static <T> MutableHttpResponse<String> page(Page.Result<T> page, Function<T, JsonNode> write) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        ArrayNode items = json.putArray("items");
        page.items().forEach(item -> items.add(write.apply(item)));
        if (page.nextPageToken() != null) {
            json.put("nextPageToken", page.nextPageToken());
        }
        return ok(json);
    }

    /** The answer to {@code dryRun=true}: what would be written, and what each cluster would get. */
    static MutableHttpResponse<String> preview(TenantStore.Preview<?> preview, JsonNode result) {
        return ok(previewJson(preview, result));
    }

    /** The body of {@link #preview}. */
    static ObjectNode previewJson(TenantStore.Preview<?> preview, JsonNode result) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("dryRun", true);
        json.put("currentRevision", String.valueOf(preview.currentRevision()));
        json.put("wouldBeRevision", String.valueOf(preview.wouldBeRevision()));
        if (result != null) {
            json.set("result", result);
        }
        ArrayNode clusters = json.putArray("clusters");
        for (ConfigDiff.ClusterChange change : preview.clusters().clusters()) {
            ObjectNode cluster = clusters.addObject();
            cluster.put("cluster", change.cluster());
            cluster.put("changed", change.changed());
            if (change.clusterAdded()) {
                cluster.put("clusterAdded", true);
            }
            if (change.clusterRemoved()) {
                cluster.put("clusterRemoved", true);
            }
            ObjectNode policies = cluster.putObject("policies");
            strings(policies.putArray("added"), change.policiesAdded());
            strings(policies.putArray("changed"), change.policiesChanged());
            strings(policies.putArray("removed"), change.policiesRemoved());
            ObjectNode services = cluster.putObject("services");
            strings(services.putArray("added"), change.servicesAdded());
            strings(services.putArray("removed"), change.servicesRemoved());
            ObjectNode peers = cluster.putObject("peers");
            strings(peers.putArray("added"), change.peersAdded());
            strings(peers.putArray("changed"), change.peersChanged());
            strings(peers.putArray("removed"), change.peersRemoved());
        }
        return json;
    }

    private static void strings(ArrayNode array, List<String> values) {
        values.forEach(array::add);
    }
}

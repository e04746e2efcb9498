package dev.fedmesh.controlapi.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fedmesh.controlapi.auth.Access;
import dev.fedmesh.controlapi.auth.Permission;
import dev.fedmesh.controlapi.auth.Principal;
import dev.fedmesh.controlapi.http.openapi.Schemas;
import dev.fedmesh.controlapi.store.StatusJson;
import dev.fedmesh.controlapi.store.StatusOfCluster;
import dev.fedmesh.controlapi.store.StatusStore;
import dev.fedmesh.controlapi.store.Tenant;
import dev.fedmesh.controlapi.store.TenantStore;
import io.micronaut.context.annotation.Value;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Where a tenant's clusters stand, as {@code istioctl proxy-status} shows it for one mesh:
 * {@code /api/v1/tenants/{tenant}/status} and {@code /api/v1/tenants/{tenant}/clusters/{name}/status}.
 */
@Tag(name = "Status")
@Controller("/api/v1/tenants/{tenant}")
@ExecuteOn(TaskExecutors.BLOCKING)
public class StatusController {
    private final TenantStore tenants;
    private final StatusStore statuses;
    private final Duration staleAfter;

    public StatusController(TenantStore tenants, StatusStore statuses,
                            @Value("${fedmesh.api.status.stale-after:30s}") Duration staleAfter) {
        this.tenants = tenants;
        this.statuses = statuses;
        this.staleAfter = staleAfter;
    }

    @Get("/status")
    @Operation(operationId = "getTenantStatus", summary = "Where every registered cluster of the tenant stands: desired"
            + " and applied revision, in sync since when, last heartbeat (stale when older than the threshold), and"
            + " each proxy SYNCED, STALE or NACKED with its error; and, when the tenant's changes cannot be published,"
            + " why (publishFailure).")
    @ApiResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = TenantStatusSchema.class)))
    @ProblemResponses
    public HttpResponse<String> tenant(Principal principal, String tenant) {
        Access.require(principal, tenant, Permission.READ);
        Tenant owner = tenants.require(tenant);
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("tenant", owner.name());
        json.put("revision", String.valueOf(owner.revision()));
        json.put("staleAfterSeconds", staleAfter.toSeconds());
        StatusJson.putPublishFailure(json, statuses.publishFailure(owner.id()).orElse(null));
        ArrayNode clusters = json.putArray("clusters");
        for (StatusOfCluster status : statuses.all(owner.id())) {
            clusters.add(StatusJson.write(status, staleAfter));
        }
        return JsonResponses.ok(json);
    }

    @Get("/clusters/{name}/status")
    @Operation(operationId = "getClusterStatus", summary = "Where one registered cluster stands, as in the tenant's status.")
    @ApiResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ClusterStatusSchema.class)))
    @ProblemResponses
    public HttpResponse<String> cluster(Principal principal, String tenant, String name) {
        Access.require(principal, tenant, Permission.READ);
        Tenant owner = tenants.require(tenant);
        StatusOfCluster status = statuses.find(owner.id(), name)
                .orElseThrow(() -> ApiException.notFound("Cluster '" + name + "'"));
        return JsonResponses.ok(StatusJson.write(status, staleAfter));
    }

    @Get("/status/dead-letters")
    @Operation(operationId = "listStatusDeadLetters", summary = "The status records of the tenant's agents that were"
            + " not taken, per cluster and reason: unauthenticated (an HMAC not of the cluster's current credential:"
            + " another cluster's agent, or a credential re-issued), unparseable, or unstorable; with how often, and"
            + " where the newest one is on Kafka.")
    @ApiResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = DeadLettersSchema.class)))
    @ProblemResponses
    public HttpResponse<String> deadLetters(Principal principal, String tenant) {
        Access.require(principal, tenant, Permission.READ);
        Tenant owner = tenants.require(tenant);
        return JsonResponses.ok(StatusJson.deadLetters(owner.name(), statuses.deadLetters(owner.id())));
    }

    /** The shape of one cluster's status, for the OpenAPI document. */
    @Schema(name = "ClusterStatus", requiredProperties = {"cluster", "desiredRevision", "desiredSha256", "publishedAt",
            "appliedRevision", "appliedSha256", "appliedAt", "inSync", "syncSince", "lastHeartbeat", "stale", "xdsVersion",
            "lastRefusal", "proxyCounts", "proxies", "notEnforced"})
    public record ClusterStatusSchema(
            @Schema(example = "east") String cluster,
            @Schema(description = "the revision last published for the cluster; null before the first", nullable = true) String desiredRevision,
            @Schema(description = "SHA-256 (hex) of that config", nullable = true) String desiredSha256,
            @Schema(nullable = true) String publishedAt,
            @Schema(description = "the revision the agent reported applied; null before its first report", nullable = true) String appliedRevision,
            @Schema(nullable = true) String appliedSha256,
            @Schema(description = "when the agent applied it, by the agent's clock", nullable = true) String appliedAt,
            @Schema(description = "the agent runs exactly the config last published: same revision, same SHA-256") boolean inSync,
            @Schema(description = "since when inSync has had its value", nullable = true) String syncSince,
            @Schema(description = "when the last report arrived; the cluster's last-seen time", nullable = true) String lastHeartbeat,
            @Schema(description = "no report within fedmesh.api.status.stale-after; the rest is the last one") boolean stale,
            @Schema(description = "the xDS snapshot version the agent serves", nullable = true) String xdsVersion,
            @Schema(description = "why the agent last refused a desired config, if it did", nullable = true) String lastRefusal,
            @Schema(description = "how many proxies the agent had connected, in all and per state; proxies lists at"
                    + " most 1000 of them, those needing attention first") ProxyCountsSchema proxyCounts,
            @Schema(description = "the newest verified config the agent could not apply, and why; absent while it"
                    + " applies what it receives") ApplyFailureSchema applyFailure,
            List<ProxyStatusSchema> proxies,
            @Schema(description = "the tenant's publishFailure: set while the tenant's changes cannot be published,"
                    + " so this cluster keeps the config it has; absent while publishing works") PublishFailureSchema publishFailure,
            @Schema(description = "the tenant's policies the data plane does not enforce (in whole or in part) on this"
                    + " cluster, by its last inventory") List<Schemas.PolicyWarning> notEnforced) {
    }

    /** The shape of a tenant's publish failure, for the OpenAPI document. */
    @Schema(name = "PublishFailure", requiredProperties = {"code", "message", "failingSince", "attempts", "lastAttemptAt",
            "nextAttemptAt"}, description = "Why the tenant's changes are not reaching its clusters: the"
            + " distributor's last attempt to publish them failed; it tries again at nextAttemptAt, or soon after the"
            + " tenant's next change. Absent while publishing works.")
    public record PublishFailureSchema(
            @Schema(allowableValues = {"config_too_large", "ca_failed", "compile_failed", "kafka_failed"}) String code,
            @Schema(example = "the config of cluster 'east' of tenant 'acme' is 1203455 bytes as a Kafka record, over the"
                    + " limit of 1048576 bytes: ...") String message,
            @Schema(description = "the first failed attempt since the tenant was last published") String failingSince,
            @Schema(description = "failed attempts since failingSince") int attempts,
            @Schema(nullable = true) String lastAttemptAt,
            @Schema(nullable = true) String nextAttemptAt) {
    }

    /** The shape of a cluster's proxy counts, for the OpenAPI document. */
    @Schema(name = "ProxyCounts", requiredProperties = {"total", "synced", "stale", "nacked"})
    public record ProxyCountsSchema(int total, int synced, int stale, int nacked) {
    }

    /** The shape of an apply failure, for the OpenAPI document. */
    @Schema(name = "ApplyFailure", requiredProperties = {"revision", "error", "failedAt", "attempts"})
    public record ApplyFailureSchema(
            @Schema(description = "the revision the agent could not apply") String revision,
            @Schema(description = "why, as the agent says it") String error,
            String failedAt,
            @Schema(description = "how many times the agent tried") int attempts) {
    }

    /** The shape of a tenant's dead letters, for the OpenAPI document. */
    @Schema(name = "StatusDeadLetters", requiredProperties = {"tenant", "deadLetters"})
    public record DeadLettersSchema(String tenant, List<DeadLetterSchema> deadLetters) {
    }

    /** The shape of one dead letter, for the OpenAPI document. */
    @Schema(name = "StatusDeadLetter", requiredProperties = {"cluster", "reason", "occurrences", "topic", "partition",
            "offset", "bytes", "detail", "firstAt", "lastAt"})
    public record DeadLetterSchema(
            String cluster,
            @Schema(allowableValues = {"unauthenticated", "unparseable", "unstorable"}) String reason,
            @Schema(description = "how many such records were not taken") long occurrences,
            @Schema(description = "where the newest one is: topic, partition, offset") String topic,
            int partition,
            String offset,
            @Schema(description = "its size") int bytes,
            @Schema(description = "why it was not taken") String detail,
            String firstAt,
            String lastAt) {
    }

    /** The shape of one proxy's status, for the OpenAPI document. */
    @Schema(name = "ProxyStatus", requiredProperties = {"node", "state", "error", "connectedAt", "types"})
    public record ProxyStatusSchema(
            @Schema(example = "frontend-7d9f", description = "the proxy's xDS node id") String node,
            @Schema(allowableValues = {"SYNCED", "STALE", "NACKED"}) String state,
            @Schema(description = "the NACK's error; null unless NACKED", nullable = true) String error,
            @Schema(nullable = true) String connectedAt,
            @Schema(description = "per resource type: typeUrl, ackedVersion, sentVersion, nackedVersion, error")
            List<Map<String, String>> types) {
    }

    /** The shape of a tenant's status, for the OpenAPI document. */
    @Schema(name = "TenantStatus", requiredProperties = {"tenant", "revision", "staleAfterSeconds", "clusters"})
    public record TenantStatusSchema(String tenant, String revision, long staleAfterSeconds,
                                     @Schema(description = "absent while publishing works") PublishFailureSchema publishFailure,
                                     List<ClusterStatusSchema> clusters) {
    }
}
